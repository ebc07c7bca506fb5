package dev.phalanx.engine.collective;

/**
 * A collective operation failed: a peer closed its connection, sent something unexpected, went
 * silent past the timeout, or called another collective than this rank (another length, op or wire
 * precision). The message names this rank and the peer's rank and address; for a mismatch, the two
 * ranks whose calls differ and both calls.
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
