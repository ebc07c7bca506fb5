package dev.phalanx.engine.collective;

/**
 * A collective operation failed: a peer closed its connection, sent something unexpected, or went
 * silent past the timeout. The message names this rank and the peer's rank and address.
 */
public class CollectiveException extends RuntimeException {

    /** Creates an exception with a message that names the ranks involved. */
    public CollectiveException(String message) {
        super(message);
    }

    /** Creates an exception with a message that names the ranks involved, and its cause. */
    public CollectiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
