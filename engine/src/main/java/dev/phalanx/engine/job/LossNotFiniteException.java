package dev.phalanx.engine.job;

/**
 * The training loss or the parameters became NaN or infinite: the run diverged, usually because
 * the learning rate is too high for the model. Relaunching from a checkpoint would diverge again,
 * so the driver does not retry; the message names the step and suggests what to change.
 */
public final class LossNotFiniteException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message names the rank, step and epoch. */
    public LossNotFiniteException(String message) {
        super(message);
    }
}
