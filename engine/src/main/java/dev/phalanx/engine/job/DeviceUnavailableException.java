package dev.phalanx.engine.job;

/**
 * A worker cannot use the devices it was given — for example Spark assigned it a GPU but the
 * PyTorch natives on its executor have no CUDA. Retrying on the same executors cannot help, so the
 * driver does not relaunch the stage for it.
 */
public final class DeviceUnavailableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message names the rank, its Spark addresses and the devices asked for. */
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
