package dev.phalanx.engine.checkpoint;

/**
 * A checkpoint cannot be written or used: the store failed, every checkpoint is corrupt, or the
 * newest belongs to an incompatible job. The message names the checkpoint and the reason.
 */
public class CheckpointException extends RuntimeException {

    /** Creates an exception naming the checkpoint and the reason. */
    public CheckpointException(String message) {
        super(message);
    }

    /** Creates an exception naming the checkpoint and the reason, with its cause. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
