package dev.phalanx.engine.api;

import dev.phalanx.engine.checkpoint.HadoopConf;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.driver.TrainingJob;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.worker.CheckpointSettings;
import dev.phalanx.engine.worker.EpochMetrics;
import dev.phalanx.engine.worker.ProgressWire;
import dev.phalanx.engine.worker.StepMetrics;
import dev.phalanx.engine.worker.TrainingResult;
import dev.phalanx.engine.worker.TrainingSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Entry point: trains a model data-parallel on a Spark DataFrame.
 *
 * <pre>{@code
 * TrainedModel model = Phalanx.fit(trainDf,
 *         new TrainingOptions("mlp", new InputSpec(new long[] {784}, 10))
 *                 .optWorkers(2).optEpochs(3).optBatchSize(128));
 * double accuracy = model.accuracy(testDf, "features", "label");
 * }</pre>
 *
 * <p>The DataFrame needs a features column (a numeric array or an ML Vector with as many values as
 * the input spec's sample size) and a label column of whole-number class indices. Training runs as
 * one Spark barrier stage of W tasks that average gradients over direct TCP connections; with
 * {@link TrainingOptions#optGpusPerWorker} each task trains on the GPUs Spark assigned to it.
 */
public final class Phalanx {

    private Phalanx() {}

    /** Trains with the given options, discarding progress reports. */
    public static TrainedModel fit(Dataset<Row> data, TrainingOptions options) {
        return fit(data, options, metrics -> {});
    }

    /**
     * Trains with the given options, calling {@code listener} on the driver after every epoch.
     *
     * @throws IllegalArgumentException for a bad option (message starts with its key), too few
     *     task slots, or a GPU job on a master that cannot offer GPUs
     * @throws dev.phalanx.engine.worker.DeviceUnavailableException when a worker was given GPUs it
     *     cannot use (no CUDA) and {@code gpu_fallback_to_cpu} is off
     * @throws dev.phalanx.engine.data.InvalidDataException for a missing or mistyped column or a bad
     *     value, naming the column and row
     * @throws dev.phalanx.engine.checkpoint.CheckpointException when the checkpoint directory holds
     *     only invalid checkpoints, or the newest belongs to an incompatible job
     * @throws TrainingFailedException when training started but its last attempt failed
     */
    public static TrainedModel fit(Dataset<Row> data, TrainingOptions options, ProgressListener listener) {
        options.validate();
        ColumnSpec columns = ColumnSpec.forModel(options.featuresCol(), options.labelCol(), options.modelName(),
                options.input(), options.imageMean(), options.imageStd(), options.loss());
        JobIdentity identity = new JobIdentity(options.modelName(),
                ModelReplica.parameterShapes(options.modelName(), options.input()), options.optimizer(),
                options.workers(), options.batchSize(), options.seed(), options.shuffle());
        CheckpointSettings checkpoints = options.checkpointDir().isBlank() ? null
                : new CheckpointSettings(options.checkpointDir(),
                        new HadoopConf(data.sparkSession().sparkContext().hadoopConfiguration()),
                        options.checkpointEverySteps(), options.checkpointInterval(), options.keepCheckpoints());
        TrainingSpec spec = new TrainingSpec(options.modelName(), options.input(), columns, options.workers(),
                options.epochs(), options.batchSize(), options.optimizer(), (float) options.learningRate(),
                (float) options.momentum(), options.seed(), options.shuffle(), options.threadsPerWorker(),
                options.gpusPerWorker(), options.gpuFallbackToCpu(),
                options.shardMemoryBudget(),
                new CollectiveOptions(options.collectiveTimeout(), TrainingJob.newJobToken()).withTls(options.tls()),
                options.gradientWire(),
                identity, checkpoints,
                options.faultInjection(), options.logEverySteps());
        TrainingResult result = new TrainingJob(spec, options.slotWaitTimeout(), options.maxAttempts())
                .run(data, new ProgressWire.Handler() {
                    @Override
                    public void epoch(EpochMetrics metrics) {
                        listener.onEpoch(metrics);
                    }

                    @Override
                    public void step(StepMetrics metrics) {
                        listener.onStep(metrics);
                    }
                }, listener::onEvent);
        return new TrainedModel(options.modelName(), options.input(), result, options.imageMean(), options.imageStd(),
                options.loss());
    }
}
