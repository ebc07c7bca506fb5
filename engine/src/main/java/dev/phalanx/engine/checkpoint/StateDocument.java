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
 * @param shards the ranks' slices when each rank wrote its own ({@code params-<rank>.bin} and {@code
 *     optimizer-<rank>.bin}); null when one file holds all parameters and one all optimizer state
 */
record StateDocument(
        JobIdentity identity,
        long globalStep,
        long stepsPerEpoch,
        long epoch,
        long parameterCount,
        long optimizerSteps,
        List<EpochMetrics> history,
        List<Validation> validations,
        List<Shard> shards) {

    /**
     * One rank's slice of a sharded checkpoint.
     *
     * @param rank the rank that wrote it, which names its files
     * @param offset where the slice starts in the flat parameter order
     * @param length how many values it holds
     */
    record Shard(int rank, long offset, long length) {}
}
