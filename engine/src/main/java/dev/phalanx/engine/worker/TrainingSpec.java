package dev.phalanx.engine.worker;

import dev.phalanx.engine.checkpoint.CheckpointSettings;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.WirePrecision;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.FrozenParameters;
import dev.phalanx.engine.job.ValidationPlan;
import dev.phalanx.engine.optim.LearningRateSchedule;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.Serializable;
import java.time.Duration;

/**
 * Everything a worker needs, as plain serialisable values: the task closure captures this and
 * nothing else from the driver.
 *
 * @param model the model: a catalog spec or a user's factory, which travels with the spec
 * @param input the model's input shape and classes
 * @param columns the columns and what they must hold
 * @param workers the world size W
 * @param epochs the number of passes over the data
 * @param globalBatchSize samples per step over all workers; each worker takes {@code / W}
 * @param optimizer optimizer name
 * @param learningRate learning rate
 * @param momentum SGD momentum
 * @param seed seeds parameter initialisation and the per-epoch shuffle
 * @param shuffle whether each worker shuffles its shard every epoch
 * @param threadsPerWorker PyTorch intra-op threads per worker
 * @param gpusPerWorker GPUs each worker trains on; 0 = CPU
 * @param gpuFallbackToCpu whether a worker given GPUs but seeing no CUDA may train on the CPU
 * @param deviceResidentOnCpu whether a CPU worker trains device-resident, as a GPU worker does
 * @param shardMemoryBudget bytes of direct memory a worker's shard may take before it spills to disk
 * @param collective timeout and job token of the all-reduce connections
 * @param rendezvousTimeout how long a worker waits at the start-up rendezvous for the others
 * @param gradientWire the precision gradients travel in between workers
 * @param identity what checkpoints record and a resume must match
 * @param checkpoints where and how often to checkpoint, or null for no checkpoints
 * @param fault a deliberate failure for tests, or null
 * @param logEverySteps report step metrics every this many steps; 0 = only per epoch
 * @param initialParameters the values a fresh run starts from ({@code init_from}), flat; null for the seed's
 * @param frozen the parameters not trained ({@code freeze})
 * @param schedule the learning rate of every step
 * @param weightDecay the optimizer's weight decay
 * @param clipGradNorm the global norm the averaged gradients are clipped to; 0 = off
 * @param labelSmoothing cross-entropy's label smoothing; 0 = none
 * @param accumulationSteps micro-batches each worker's batch is computed in, one after another
 * @param classWeights cross-entropy's weight per class, or empty for none
 * @param validation what to validate on and when, and when to stop early
 * @param optimizerSharding whether each worker keeps and updates only its slice of the optimizer
 *     state (ZeRO stage 1) and writes its own slice of each checkpoint
 */
public record TrainingSpec(
        ModelSpec model,
        InputSpec input,
        ColumnSpec columns,
        int workers,
        int epochs,
        int globalBatchSize,
        String optimizer,
        float learningRate,
        float momentum,
        long seed,
        boolean shuffle,
        int threadsPerWorker,
        int gpusPerWorker,
        boolean gpuFallbackToCpu,
        boolean deviceResidentOnCpu,
        long shardMemoryBudget,
        CollectiveOptions collective,
        Duration rendezvousTimeout,
        WirePrecision gradientWire,
        JobIdentity identity,
        CheckpointSettings checkpoints,
        FaultInjection fault,
        int logEverySteps,
        float[] initialParameters,
        FrozenParameters frozen,
        LearningRateSchedule schedule,
        float weightDecay,
        double clipGradNorm,
        double labelSmoothing,
        int accumulationSteps,
        double[] classWeights,
        ValidationPlan validation,
        boolean optimizerSharding)
        implements Serializable {

    /** Returns the number of samples each worker takes per step. */
    public int localBatchSize() {
        return globalBatchSize / workers;
    }
}
