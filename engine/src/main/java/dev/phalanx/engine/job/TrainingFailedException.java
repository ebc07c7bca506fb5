package dev.phalanx.engine.job;

/** Training started but did not finish: a worker failed, a peer went silent, a task was lost. */
public class TrainingFailedException extends RuntimeException {

    /** Creates an exception with the first failure's description and cause. */
    public TrainingFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
