package dev.phalanx.engine.api;

import dev.phalanx.engine.checkpoint.CheckpointSettings;
import dev.phalanx.engine.checkpoint.HadoopConf;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.driver.ExecutorModelCheck;
import dev.phalanx.engine.driver.TrainingJob;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.job.TrainingResult;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.job.ValidationPlan;
import dev.phalanx.engine.job.FrozenParameters;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.model.ParameterLayout;
import dev.phalanx.engine.worker.AutoCheckpointInterval;
import dev.phalanx.engine.worker.ProgressWire;
import dev.phalanx.engine.worker.TrainingSpec;
import dev.phalanx.models.ModelCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

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
 * the input spec's sample size) and a label column of whole-number class indices (real-valued
 * targets with {@code optLoss("mse")}). Training runs as
 * one Spark barrier stage of W tasks that average gradients over direct TCP connections; with
 * {@link TrainingOptions#optGpusPerWorker} each task trains on the GPUs Spark assigned to it.
 */
public final class Phalanx {

    /** How long building the model on the driver may take, PyTorch's first load included. */
    /** What a task result holds besides the parameters (history, timings), generously. */
    private static final long RESULT_OVERHEAD_BYTES = 1 << 20;
    private static final long SHAPES_TIMEOUT_MINUTES = 5;

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
     * @throws dev.phalanx.engine.job.DeviceUnavailableException when a worker was given GPUs it
     *     cannot use (no CUDA) and {@code gpu_fallback_to_cpu} is off
     * @throws dev.phalanx.engine.data.InvalidDataException for a missing or mistyped column or a bad
     *     value, naming the column and row
     * @throws dev.phalanx.engine.checkpoint.CheckpointException when another live job holds the
     *     checkpoint directory's lease (naming it), the directory holds only invalid checkpoints, or
     *     the newest belongs to an incompatible job or was trained on other data (unless {@code
     *     resume_with_other_data})
     * @throws TrainingFailedException when training started but its last attempt failed
     */
    public static TrainedModel fit(Dataset<Row> data, TrainingOptions options, ProgressListener listener) {
        return fit(data, null, options, listener);
    }

    /**
     * Trains as {@link #fit(Dataset, TrainingOptions, ProgressListener)} does, evaluating {@code
     * validation} (same columns; null for none) on the workers at every epoch's end (or every {@code
     * validate_every_steps}): its metrics go to {@link ProgressListener#onValidation} and {@link
     * TrainedModel#validations()}, and early stopping watches them.
     *
     * @throws IllegalArgumentException also when validation data is given together with {@code
     *     validation_fraction}, or early stopping is on without validation data
     */
    public static TrainedModel fit(Dataset<Row> data, Dataset<Row> validation, TrainingOptions options,
            ProgressListener listener) {
        PhaseTimes times = new PhaseTimes().mark("fit");
        options.validate();
        return train(data.sparkSession(), validation != null, times, options, listener,
                (job, columns) -> job.prepare(data, validation, options.validationFraction(), options.seed(), columns,
                        options.workers(), options.batchSize() / options.workers(), options.gpusPerWorker()));
    }

    /**
     * Trains as {@link #fit(Dataset, TrainingOptions, ProgressListener)} does on rows the workers
     * read straight from their files ({@link PositionalRows}, for example {@link
     * dev.phalanx.engine.data.FashionMnist#positional}): the same shards, results and checkpoints as
     * training on {@code data.frame(…)}, without the Spark jobs that count the DataFrame's rows and
     * shuffle them into shards. With {@code validation_fraction} the rows are held out from that
     * DataFrame instead, as {@code fit} on it does.
     *
     * @param spark the session to train in
     * @throws java.io.UncheckedIOException when the driver cannot read the rows
     */
    public static TrainedModel fit(SparkSession spark, PositionalRows data, TrainingOptions options,
            ProgressListener listener) {
        PhaseTimes times = new PhaseTimes().mark("fit");
        options.validate();
        if (options.validationFraction() > 0) {
            try {
                return fit(data.frame(spark, options.workers()), null, options, listener);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return train(spark, false, times, options, listener, (job, columns) -> {
            try {
                return job.prepare(data, spark.sparkContext(), columns, options.workers(),
                        options.batchSize() / options.workers(), options.gpusPerWorker());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** How the training data becomes the workers' shards. */
    @FunctionalInterface
    private interface ShardPreparation {
        TrainingJob.Shards prepare(TrainingJob job, ColumnSpec columns);
    }

    private static TrainedModel train(SparkSession spark, boolean validationGiven, PhaseTimes times,
            TrainingOptions options, ProgressListener listener, ShardPreparation preparation) {
        if (validationGiven && options.validationFraction() > 0) {
            throw new IllegalArgumentException("validation_fraction (" + options.validationFraction() + ") holds rows"
                    + " out of the training data, but validation data was given as well; use one of the two");
        }
        if (options.earlyStopping().enabled() && !validationGiven && options.validationFraction() == 0) {
            throw new IllegalArgumentException("early_stopping_patience (" + options.earlyStopping().patience()
                    + ") needs validation data: set validation_fraction, or give validation data");
        }
        ColumnSpec columns = ColumnSpec.of(options.featuresCol(), options.labelCol(), ModelCatalog.inputDomain(options.model()),
                options.input(), options.imageMean(), options.imageStd(), options.loss());
        // The model's parameter shapes need PyTorch's native libraries, which take about half a
        // second to load on the driver; the preflight and the job that numbers the rows need neither,
        // so they run meanwhile. The thread ends with its one task, on every path.
        CompletableFuture<ParameterLayout> shapes = CompletableFuture.supplyAsync(
                () -> ModelReplica.parameterLayout(options.model(), options.input()), task -> {
                    Thread thread = new Thread(task, "phalanx-parameter-shapes");
                    thread.setDaemon(true);
                    thread.start();
                });
        TrainingJob job = new TrainingJob(options.slotWaitTimeout(), options.maxAttempts());
        TrainingJob.Shards shards = preparation.prepare(job, columns);
        times.mark("sharded");
        if ((validationGiven || options.validationFraction() > 0) && shards.validationRows() == 0) {
            throw new InvalidDataException(validationGiven ? "the validation data holds no rows"
                    : "validation_fraction " + options.validationFraction() + " held out none of the "
                            + shards.trainingRows() + " training rows; raise it or give validation data");
        }
        ExecutorModelCheck.require(spark.sparkContext(), options.model(), options.workers(),
                options.slotWaitTimeout());
        ParameterLayout layout = await(shapes);
        requireReturnable(layout, options, spark.sparkContext().getConf());
        times.mark("model_checked");
        FrozenParameters frozen = FrozenParameters.of(layout.names(), layout.sizes(), options.freeze());
        float[] initial = options.initFrom().isBlank() ? null : InitFrom.read(options.initFrom(), options.model(),
                options.input(), layout, spark.sparkContext().hadoopConfiguration());
        JobIdentity identity = new JobIdentity(options.modelName(), layout.shapesText(), options.optimizer(),
                options.workers(), options.batchSize(), options.seed(), options.shuffle(), shards.fingerprint());
        CheckpointSettings checkpoints = options.checkpointDir().isBlank() ? null
                : new CheckpointSettings(options.checkpointDir(),
                        new HadoopConf(spark.sparkContext().hadoopConfiguration()),
                        options.checkpointEverySteps(),
                        options.checkpointIntervalAuto() ? Duration.ZERO : options.checkpointInterval(),
                        options.checkpointIntervalAuto() ? options.mtbf().dividedBy(options.workers()) : Duration.ZERO,
                        options.keepCheckpoints(),
                        options.checkpointTimeout(), options.leaseTimeout(), options.resumeWithOtherData());
        if (checkpoints != null && checkpoints.autoInterval()) {
            listener.onEvent(new AutoCheckpointInterval(checkpoints.autoJobMtbf()).describe()
                    + "; rank 0's log gives the interval after each checkpoint");
        }
        TrainingSpec spec = new TrainingSpec(options.model(), options.input(), columns, options.workers(),
                options.epochs(), options.batchSize(), options.optimizer(), (float) options.learningRate(),
                (float) options.momentum(), options.seed(), options.shuffle(), options.threadsPerWorker(),
                options.gpusPerWorker(), options.gpuFallbackToCpu(), options.deviceResidentOnCpu(),
                options.shardMemoryBudget(),
                new CollectiveOptions(options.collectiveTimeout(), TrainingJob.newJobToken()).withTls(options.tls()),
                options.rendezvousTimeout(), options.gradientWire(),
                identity, checkpoints,
                options.faultInjection(), options.logEverySteps(), initial, frozen, options.learningRateSchedule(),
                (float) options.weightDecay(), options.clipGradNorm(), options.labelSmoothing(),
                options.accumulationSteps(), options.classWeights(),
                new ValidationPlan(shards.trainingRows(), shards.validationRows(), options.validateEverySteps(),
                        Evaluation.topKFor(options.topK(), options.input().numClasses()), options.earlyStopping()),
                options.optimizerSharding());
        TrainingResult result = job.run(shards, spec, new ProgressWire.Handler() {
            @Override
            public void epoch(EpochMetrics metrics) {
                listener.onEpoch(metrics);
            }

            @Override
            public void step(StepMetrics metrics) {
                listener.onStep(metrics);
            }

            @Override
            public void validation(Validation validation) {
                listener.onValidation(validation);
            }
        }, listener::onEvent, times);
        times.add(result.times()).mark("trained");
        return new TrainedModel(options.model(), options.input(), result, times, options.imageMean(),
                options.imageStd(), options.loss(), checkpoints == null ? null : checkpoints.hadoopConf());
    }

    /**
     * Refuses, before training, a model whose parameters rank 0 could not return to the driver:
     * without checkpoints they travel as its task's result, which Spark bounds by {@code
     * spark.driver.maxResultSize} (and Java by 2 GiB). With checkpoints they never travel: the
     * driver reads them from the final checkpoint.
     *
     * @throws IllegalArgumentException naming the sizes and {@code checkpoint_dir}
     */
    static void requireReturnable(ParameterLayout layout, TrainingOptions options, SparkConf conf) {
        if (!options.checkpointDir().isBlank()) {
            return;
        }
        long bytes = layout.count() * Float.BYTES + RESULT_OVERHEAD_BYTES;
        long limit = conf.getSizeAsBytes("spark.driver.maxResultSize", "1g");
        String bound = limit > 0 && limit < Integer.MAX_VALUE ? "spark.driver.maxResultSize = "
                + conf.get("spark.driver.maxResultSize", "1g") : "2 GiB (a Java array)";
        if (bytes > (limit > 0 ? Math.min(limit, Integer.MAX_VALUE) : Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("model '" + options.modelName() + "' has " + layout.count()
                    + " parameters (" + (layout.count() * Float.BYTES >> 20) + " MiB), more than a task may return to"
                    + " the driver (" + bound + "); set checkpoint_dir: the workers then write the trained model"
                    + " there and the driver reads it from there");
        }
    }

    /** Returns the parameter layout, rethrowing what building the model threw. */
    private static ParameterLayout await(CompletableFuture<ParameterLayout> shapes) {
        try {
            return shapes.get(SHAPES_TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            if (e.getCause() instanceof Error cause) {
                throw cause;
            }
            throw new IllegalStateException("building the model on the driver failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("building the model on the driver (loading PyTorch's native libraries)"
                    + " took more than " + SHAPES_TIMEOUT_MINUTES + " minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while building the model on the driver", e);
        }
    }
}
