package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.optim.OptimizerState;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Validation;
import java.util.List;

/**
 * Everything needed to continue training exactly: the parameters, the optimizer's state, and
 * where in the sample order the next step starts. The per-epoch sample order is a pure function
 * of (seed, epoch, rank), so the position is fully given by the global step.
 *
 * @param identity what a resuming job must match
 * @param globalStep steps completed; the next step is this one (0-based)
 * @param stepsPerEpoch steps per epoch the job agreed on; a resume over different data must not pass
 * @param parameters all model parameters, flat; null from a load that read them into the caller's buffer
 * @param optimizer the optimizer's state: of all parameters, or of the slice a rank of a sharded
 *     optimizer keeps ({@link CheckpointStore#load(String, int, int)})
 * @param history metrics of the epochs completed so far
 * @param validations the validations taken so far, in order
 * @param best with early stopping, the parameters after the best validation so far; null for none
 */
public record TrainingState(
        JobIdentity identity,
        long globalStep,
        long stepsPerEpoch,
        float[] parameters,
        OptimizerState optimizer,
        List<EpochMetrics> history,
        List<Validation> validations,
        float[] best) implements CheckpointSnapshot {

    /** Checks the lists. */
    public TrainingState {
        history = List.copyOf(history);
        validations = validations == null ? List.of() : List.copyOf(validations);
    }

    /** A state with no validations. */
    public TrainingState(JobIdentity identity, long globalStep, long stepsPerEpoch, float[] parameters,
            OptimizerState optimizer, List<EpochMetrics> history) {
        this(identity, globalStep, stepsPerEpoch, parameters, optimizer, history, List.of(), null);
    }

    /** Returns the 1-based epoch of the last completed step (0 before the first step). */
    public long epoch() {
        return (globalStep + stepsPerEpoch - 1) / stepsPerEpoch;
    }
}
