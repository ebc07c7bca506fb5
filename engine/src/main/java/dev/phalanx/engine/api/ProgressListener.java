package dev.phalanx.engine.api;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;

/**
 * Receives progress on the driver while training runs. Calls never overlap, but they come from
 * more than one thread: {@code onEpoch}, {@code onStep} and {@code onValidation} from a progress thread of each attempt,
 * {@code onEvent} from the thread that called {@code fit}. Must not block for long.
 */
@FunctionalInterface
public interface ProgressListener {

    /** Called once per finished epoch, in order. */
    void onEpoch(EpochMetrics metrics);

    /** Called every {@code log_every_steps} steps with the progress since the previous call. */
    default void onStep(StepMetrics metrics) {}

    /** Called after every validation, in order, with its metrics over all workers. */
    default void onValidation(Validation validation) {}

    /** Called with a one-line notice, for example that a failed attempt is being relaunched. */
    default void onEvent(String message) {}
}
