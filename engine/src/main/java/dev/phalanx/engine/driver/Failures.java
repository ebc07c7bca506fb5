package dev.phalanx.engine.driver;

import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.job.DeviceUnavailableException;
import dev.phalanx.engine.job.DirectMemoryExhaustedException;
import dev.phalanx.engine.job.LossNotFiniteException;

/**
 * Turns what Spark throws on the driver into what the caller should see: the first Phalanx data,
 * device, divergence or direct-memory error if there is one (none is worth a relaunch), else the
 * most telling task failure of the attempt.
 */
final class Failures {

    private static final String INVALID_DATA = InvalidDataException.class.getName() + ": ";
    private static final String DEVICE_UNAVAILABLE = DeviceUnavailableException.class.getName() + ": ";
    private static final String LOSS_NOT_FINITE = LossNotFiniteException.class.getName() + ": ";
    private static final String DIRECT_MEMORY = DirectMemoryExhaustedException.class.getName() + ": ";

    private Failures() {}

    /**
     * @param e what the Spark action threw
     * @param rootCause the most telling task failure as {@code "class: message"}, or null
     */
    static RuntimeException translate(Exception e, String rootCause) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidDataException bad) {
                return withCause(new InvalidDataException(bad.getMessage()), e);
            }
            if (t instanceof DeviceUnavailableException device) {
                return withCause(new DeviceUnavailableException(device.getMessage()), e);
            }
            if (t instanceof LossNotFiniteException diverged) {
                return withCause(new LossNotFiniteException(diverged.getMessage()), e);
            }
            if (t instanceof DirectMemoryExhaustedException exhausted) {
                return new DirectMemoryExhaustedException(exhausted.getMessage(), e);
            }
        }
        if (rootCause != null && rootCause.startsWith(INVALID_DATA)) {
            return withCause(new InvalidDataException(rootCause.substring(INVALID_DATA.length())), e);
        }
        if (rootCause != null && rootCause.startsWith(DEVICE_UNAVAILABLE)) {
            return withCause(new DeviceUnavailableException(rootCause.substring(DEVICE_UNAVAILABLE.length())), e);
        }
        if (rootCause != null && rootCause.startsWith(LOSS_NOT_FINITE)) {
            return withCause(new LossNotFiniteException(rootCause.substring(LOSS_NOT_FINITE.length())), e);
        }
        if (rootCause != null && rootCause.startsWith(DIRECT_MEMORY)) {
            return new DirectMemoryExhaustedException(rootCause.substring(DIRECT_MEMORY.length()), e);
        }
        String cause = rootCause != null ? rootCause : String.valueOf(e.getMessage()).lines().findFirst().orElse("");
        return new TrainingFailedException("training failed: " + cause, e);
    }

    /**
     * Keeps what Spark threw (with the executor's stack trace) as the cause of the clean error, for
     * whoever reads the log; the message stays the worker's own.
     */
    private static RuntimeException withCause(RuntimeException clean, Exception sparkFailure) {
        clean.initCause(sparkFailure);
        return clean;
    }
}
