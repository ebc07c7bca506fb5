package dev.phalanx.launcher;

import dev.phalanx.engine.collective.TlsSettings;
import java.time.Duration;

/**
 * A validated job config: every key from {@link JobKeys}, typed.
 *
 * @param model model name
 * @param data where the training (and test) data comes from
 * @param workers world size
 * @param epochs passes over the data
 * @param batchSize global batch size
 * @param learningRate SGD learning rate
 * @param optimizer optimizer name
 * @param loss cross_entropy or mse
 * @param momentum SGD momentum
 * @param seed initialisation and shuffle seed
 * @param shuffle whether to reshuffle shards each epoch
 * @param runDir run directory, or empty for a new one under runs/
 * @param master Spark master, or empty for local[workers]
 * @param threadsPerWorker PyTorch intra-op threads per worker
 * @param gpusPerWorker GPUs per worker, 0 = CPU
 * @param gpuFallbackToCpu whether a worker without CUDA may train on the CPU
 * @param shardMemoryBudget bytes of direct memory per worker's shard before it spills to disk
 * @param collectiveTimeout timeout of any one collective step
 * @param gradientCompression how gradients travel between workers: none or bf16
 * @param slotWaitTimeout how long to wait for task slots
 * @param checkpointDir checkpoint directory URI, or empty for run_dir/checkpoints
 * @param checkpointEverySteps step cadence, 0 = off
 * @param checkpointInterval time cadence, zero = off
 * @param keepCheckpoints how many checkpoints to keep
 * @param maxAttempts how many times the stage may be launched
 * @param faultInjection "rank:step" or empty
 * @param logEverySteps step-metrics cadence, 0 = off
 * @param tls TLS settings, or null for plain TCP
 * @param rendered the resolved config as HOCON, to record in the run directory
 */
public record JobConfig(
        String model,
        DataSource data,
        int workers,
        int epochs,
        int batchSize,
        double learningRate,
        String optimizer,
        String loss,
        double momentum,
        long seed,
        boolean shuffle,
        String runDir,
        String master,
        int threadsPerWorker,
        int gpusPerWorker,
        boolean gpuFallbackToCpu,
        long shardMemoryBudget,
        Duration collectiveTimeout,
        String gradientCompression,
        Duration slotWaitTimeout,
        String checkpointDir,
        long checkpointEverySteps,
        Duration checkpointInterval,
        int keepCheckpoints,
        int maxAttempts,
        String faultInjection,
        int logEverySteps,
        TlsSettings tls,
        String rendered) {

    /**
     * Returns the Spark master to use: the configured one; else the one spark-submit passed (it
     * sets the {@code spark.master} system property); else an embedded {@code local[workers]}.
     */
    public String effectiveMaster() {
        if (!master.isBlank()) {
            return master;
        }
        String submitted = System.getProperty("spark.master");
        return submitted != null && !submitted.isBlank() ? submitted : "local[" + workers + "]";
    }
}
