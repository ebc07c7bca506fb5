package dev.phalanx.engine.checkpoint;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One call to a Hadoop file system on the driver, bounded by {@code checkpoint_timeout}: Hadoop's
 * own retries and timeouts (an HDFS name node in safe mode, an object store that stopped answering)
 * can add up to hours, and the driver would wait without a word. The call runs on a daemon thread
 * of its own; past the bound it is interrupted and abandoned, and the caller gets a {@link
 * CheckpointException} naming the operation, the path and the option.
 */
public final class BoundedStoreCall {

    private BoundedStoreCall() {}

    /**
     * Runs {@code call} and returns its result, or fails after {@code timeout}.
     *
     * @param operation what the call does, for the error, for example "listing checkpoints"
     * @param path the path or URI it works on
     * @param timeout the bound, {@code checkpoint_timeout}
     * @throws CheckpointException naming {@code operation}, {@code path} and {@code checkpoint_timeout}
     *     when the call takes longer, or when it throws a checked exception; an unchecked one (the
     *     store's own {@code CheckpointException}) is rethrown as it is
     */
    public static <T> T run(String operation, String path, Duration timeout, Callable<T> call) {
        FutureTask<T> task = new FutureTask<>(call);
        Thread thread = new Thread(task, "phalanx-store-call");
        thread.setDaemon(true);
        thread.start();
        try {
            return task.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException unchecked) {
                throw unchecked;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new CheckpointException(operation + " " + path + " failed: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            throw new CheckpointException(operation + " " + path + " took longer than checkpoint_timeout = "
                    + readable(timeout) + "; the file system is unreachable or too slow (raise checkpoint_timeout if"
                    + " it is merely slow)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while " + operation + " " + path, e);
        } finally {
            // Ends the call if it is still running (a Hadoop call that ignores interrupts ends on
            // its own; the thread is a daemon, so it never holds the JVM up).
            task.cancel(true);
        }
    }

    /** A duration as config files write it, {@code 10m} rather than {@code PT10M}. */
    private static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
