package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Validation;
import java.util.List;

/**
 * The {@code state.json} of a checkpoint: everything but the big arrays, readable by people and by
 * the driver's compatibility check without loading parameters.
 *
 * @param identity what a resuming job must match
 * @param globalStep steps completed
 * @param stepsPerEpoch steps per epoch
 * @param epoch 1-based epoch of the last completed step
 * @param parameterCount number of parameters in {@code params.bin}
 * @param optimizerSteps updates the optimizer has applied
 * @param history metrics of completed epochs
 * @param validations the validations taken so far; null in checkpoints written before validation
 */
record StateDocument(
        JobIdentity identity,
        long globalStep,
        long stepsPerEpoch,
        long epoch,
        long parameterCount,
        long optimizerSteps,
        List<EpochMetrics> history,
        List<Validation> validations) {}
