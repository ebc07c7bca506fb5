package dev.phalanx.engine.api;

import dev.phalanx.engine.collective.TlsSettings;
import dev.phalanx.engine.collective.WirePrecision;
import dev.phalanx.engine.data.ImageFormat;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.optim.Optimizers;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one training run, built fluently: required values in the constructor, {@code
 * opt*} setters returning {@code this}. Two groups: how to learn (model, epochs, batch, optimizer,
 * seed) and where to run (workers, columns, threads, timeouts). {@link #validate()} runs before
 * any Spark job; its messages quote the setting's config key.
 */
public final class TrainingOptions {

    /** The default of {@link #optShardMemoryBudget}: 512 MiB per worker. */
    public static final long DEFAULT_SHARD_MEMORY_BUDGET = 512L << 20;

    /** The values of {@code gradient_compression} and the wire precision each stands for. */
    private static final Map<String, WirePrecision> GRADIENT_WIRES =
            Map.of("none", WirePrecision.FLOAT32, "bf16", WirePrecision.BFLOAT16);

    private final String modelName;
    private final InputSpec input;
    // How to learn.
    private int epochs = 1;
    private int batchSize = 64;
    private double learningRate = 0.05;
    private double momentum = 0.9;
    private String optimizer = "sgd";
    private Objective loss = Objective.CROSS_ENTROPY;
    private long seed = 0;
    private boolean shuffle = true;
    // Where to run.
    private int workers = 2;
    private String featuresCol = "features";
    private String labelCol = "label";
    private int threadsPerWorker = 0;
    private int gpusPerWorker = 0;
    private boolean gpuFallbackToCpu = false;
    private long shardMemoryBudget = DEFAULT_SHARD_MEMORY_BUDGET;
    private Duration collectiveTimeout = Duration.ofMinutes(2);
    private String gradientCompression = "none";
    private Duration slotWaitTimeout = Duration.ofSeconds(60);
    // Checkpoints and recovery.
    private String checkpointDir = "";
    private long checkpointEverySteps = 0;
    private Duration checkpointInterval = Duration.ZERO;
    private int keepCheckpoints = 3;
    private int maxAttempts = 3;
    private FaultInjection faultInjection;
    private TlsSettings tls;
    private int logEverySteps = 50;
    private double[] imageMean;
    private double[] imageStd;

    /**
     * Creates options for training {@code modelName} on samples shaped by {@code input}.
     *
     * @param modelName a model spec: a name known to {@link dev.phalanx.models.ModelCatalog},
     *     optionally with options, for example {@code "transformer(layers=4)"}
     * @param input the shape of one sample and the number of classes
     */
    public TrainingOptions(String modelName, InputSpec input) {
        this.modelName = Objects.requireNonNull(modelName, "model");
        this.input = Objects.requireNonNull(input, "input");
    }

    /** Sets the number of passes over the data (key {@code epochs}, default 1). */
    public TrainingOptions optEpochs(int epochs) {
        this.epochs = epochs;
        return this;
    }

    /** Sets the global batch size, split evenly over workers (key {@code batch_size}, default 64). */
    public TrainingOptions optBatchSize(int batchSize) {
        this.batchSize = batchSize;
        return this;
    }

    /** Sets the SGD learning rate (key {@code learning_rate}, default 0.05). */
    public TrainingOptions optLearningRate(double learningRate) {
        this.learningRate = learningRate;
        return this;
    }

    /** Sets the SGD momentum (key {@code momentum}, default 0.9). */
    public TrainingOptions optMomentum(double momentum) {
        this.momentum = momentum;
        return this;
    }

    /** Sets the optimizer, {@code sgd} (with momentum) or {@code adam} (key {@code optimizer}, default sgd). */
    public TrainingOptions optOptimizer(String optimizer) {
        this.optimizer = optimizer;
        return this;
    }

    /**
     * Sets what training minimises (key {@code loss}, default {@code cross_entropy}): {@code
     * cross_entropy} for classification, labels being class indices, or {@code mse} for regression,
     * labels being real targets and the input spec's number of classes 1 (one output).
     *
     * @throws IllegalArgumentException naming the known losses
     */
    public TrainingOptions optLoss(String name) {
        try {
            this.loss = Objective.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loss " + e.getMessage(), e);
        }
        return this;
    }

    /** Sets the seed of parameter initialisation and shuffling (key {@code seed}, default 0). */
    public TrainingOptions optSeed(long seed) {
        this.seed = seed;
        return this;
    }

    /** Sets whether each worker reshuffles its shard every epoch (key {@code shuffle}, default true). */
    public TrainingOptions optShuffle(boolean shuffle) {
        this.shuffle = shuffle;
        return this;
    }

    /** Sets the number of data-parallel workers W (key {@code workers}, default 2). */
    public TrainingOptions optWorkers(int workers) {
        this.workers = workers;
        return this;
    }

    /** Sets the features column (key {@code features_col}, default "features"). */
    public TrainingOptions optFeaturesCol(String featuresCol) {
        this.featuresCol = featuresCol;
        return this;
    }

    /** Sets the label column (key {@code label_col}, default "label"). */
    public TrainingOptions optLabelCol(String labelCol) {
        this.labelCol = labelCol;
        return this;
    }

    /**
     * Sets PyTorch intra-op threads per worker (key {@code threads_per_worker}, default 0: the CPUs
     * Spark gives each task, {@code spark.task.cpus}, which is 1 unless configured).
     */
    public TrainingOptions optThreadsPerWorker(int threadsPerWorker) {
        this.threadsPerWorker = threadsPerWorker;
        return this;
    }

    /**
     * Sets how many GPUs each worker trains on; 0 trains on CPUs (key {@code gpus_per_worker},
     * default 0). The training stage then asks Spark for that many GPUs per task, so the master's
     * executors must have GPUs; a worker with several splits its batch over them.
     */
    public TrainingOptions optGpusPerWorker(int gpusPerWorker) {
        this.gpusPerWorker = gpusPerWorker;
        return this;
    }

    /**
     * Sets whether a worker that was given GPUs but finds no usable CUDA device trains on the CPU,
     * with a warning, instead of failing (key {@code gpu_fallback_to_cpu}, default false).
     */
    public TrainingOptions optGpuFallbackToCpu(boolean fallback) {
        this.gpuFallbackToCpu = fallback;
        return this;
    }

    /**
     * Sets how many bytes of direct memory (off the Java heap) each worker may hold its shard in;
     * the rest spills to the executor's local disk, 0 spills everything (key {@code
     * shard_memory_budget}, default 512 MiB). The memory counts against the executor's off-heap
     * overhead ({@code spark.executor.memoryOverhead}) and the JVM's {@code -XX:MaxDirectMemorySize}.
     */
    public TrainingOptions optShardMemoryBudget(long bytes) {
        this.shardMemoryBudget = bytes;
        return this;
    }

    /**
     * Sets how gradients travel between workers (key {@code gradient_compression}, default {@code
     * none}): {@code none} sends them as float32; {@code bf16} rounds them to bfloat16 on the wire,
     * half the bytes, at a relative error of at most 2<sup>-8</sup> per rounding (sums stay float32,
     * workers stay identical). Worth it when the network, not the computation, limits the step.
     */
    public TrainingOptions optGradientCompression(String compression) {
        this.gradientCompression = compression;
        return this;
    }

    /** Sets how long a worker waits on a silent peer (key {@code collective_timeout}, default 2 min). */
    public TrainingOptions optCollectiveTimeout(Duration collectiveTimeout) {
        this.collectiveTimeout = collectiveTimeout;
        return this;
    }

    /** Sets how long to wait for enough task slots (key {@code slot_wait_timeout}, default 60 s). */
    public TrainingOptions optSlotWaitTimeout(Duration slotWaitTimeout) {
        this.slotWaitTimeout = slotWaitTimeout;
        return this;
    }

    /**
     * Sets where checkpoints go, any Hadoop file system URI; empty disables checkpoints (key {@code
     * checkpoint_dir}). A job whose directory holds checkpoints resumes from the newest valid one.
     */
    public TrainingOptions optCheckpointDir(String checkpointDir) {
        this.checkpointDir = checkpointDir;
        return this;
    }

    /** Checkpoints every {@code steps} steps; 0 disables (key {@code checkpoint_every_steps}, default 0). */
    public TrainingOptions optCheckpointEverySteps(long steps) {
        this.checkpointEverySteps = steps;
        return this;
    }

    /** Checkpoints when this much time has passed since the last; zero disables (key {@code checkpoint_interval}). */
    public TrainingOptions optCheckpointInterval(Duration interval) {
        this.checkpointInterval = interval;
        return this;
    }

    /** Sets how many checkpoints to keep (key {@code keep_checkpoints}, default 3). */
    public TrainingOptions optKeepCheckpoints(int keep) {
        this.keepCheckpoints = keep;
        return this;
    }

    /**
     * Sets how many times the barrier stage is launched before the job fails; each relaunch resumes
     * from the newest checkpoint (key {@code max_attempts}, default 3).
     */
    public TrainingOptions optMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /**
     * Makes worker {@code rank} throw just before global step {@code step} in the first attempt: a
     * testing aid for recovery (key {@code fault_injection}, as {@code "rank:step"}).
     */
    public TrainingOptions optFaultInjection(FaultInjection fault) {
        this.faultInjection = fault;
        return this;
    }

    /** Reports step metrics every {@code steps} steps; 0 = only per epoch (key {@code log_every_steps}, default 50). */
    public TrainingOptions optLogEverySteps(int steps) {
        this.logEverySteps = steps;
        return this;
    }

    /**
     * Sets how encoded images (PNG/JPEG bytes in the features column) are normalised after scaling
     * to [0, 1]: {@code (x - mean) / std} per channel (keys {@code image_mean}, {@code image_std};
     * default mean 0, std 1).
     */
    public TrainingOptions optImageNormalization(double[] mean, double[] std) {
        this.imageMean = mean == null ? null : mean.clone();
        this.imageStd = std == null ? null : std.clone();
        return this;
    }

    /** Returns the per-channel mean of encoded images, or null for 0. */
    public double[] imageMean() {
        return imageMean == null ? null : imageMean.clone();
    }

    /** Returns the per-channel standard deviation of encoded images, or null for 1. */
    public double[] imageStd() {
        return imageStd == null ? null : imageStd.clone();
    }

    /** Encrypts the workers' connections with mutual TLS (keys {@code tls_*}); null for plain TCP. */
    public TrainingOptions optTls(TlsSettings tls) {
        this.tls = tls;
        return this;
    }

    /**
     * Checks every value.
     *
     * @throws IllegalArgumentException whose message starts with the offending key
     */
    public TrainingOptions validate() {
        // Parses the name and options and builds the (uninitialised) network for this input, so an
        // unknown option or an input the model cannot take fails here, before any Spark job; the
        // catalog's messages start with "model".
        ModelCatalog.build(modelName, input);
        require(loss.classifies() ? input.numClasses() >= 2 : input.numClasses() == 1, "num_classes",
                loss.classifies() ? "must be at least 2 for loss cross_entropy, got " + input.numClasses()
                        : "must be 1 for loss mse (one output per sample), got " + input.numClasses());
        if (imageMean != null || imageStd != null) {
            try {
                ImageFormat.forShape(input.sampleShape(), imageMean, imageStd);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image_mean/image_std " + e.getMessage(), e);
            }
        }
        require(workers >= 1, "workers", "must be at least 1, got " + workers);
        require(epochs >= 1, "epochs", "must be at least 1, got " + epochs);
        require(batchSize >= 1, "batch_size", "must be at least 1, got " + batchSize);
        require(batchSize % workers == 0, "batch_size",
                "(" + batchSize + ") must be a multiple of workers (" + workers + ") so every worker takes an equal share");
        require(learningRate > 0 && Double.isFinite(learningRate), "learning_rate", "must be positive, got " + learningRate);
        require(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), got " + momentum);
        require(threadsPerWorker >= 0, "threads_per_worker",
                "must be 0 (the task's CPUs) or a positive number of threads, got " + threadsPerWorker);
        require(gpusPerWorker >= 0, "gpus_per_worker", "must not be negative, got " + gpusPerWorker);
        require(gpusPerWorker <= 1 || batchSize % (workers * gpusPerWorker) == 0, "batch_size",
                "(" + batchSize + ") must be a multiple of workers × gpus_per_worker (" + workers * gpusPerWorker
                        + ") so every GPU takes an equal share");
        require(shardMemoryBudget >= 0, "shard_memory_budget", "must not be negative, got " + shardMemoryBudget);
        require(featuresCol != null && !featuresCol.isBlank(), "features_col", "must name a column");
        require(labelCol != null && !labelCol.isBlank(), "label_col", "must name a column");
        require(GRADIENT_WIRES.containsKey(gradientCompression), "gradient_compression",
                "'" + gradientCompression + "' is unknown; expected none or bf16");
        require(collectiveTimeout != null && !collectiveTimeout.isNegative() && !collectiveTimeout.isZero(),
                "collective_timeout", "must be positive, got " + readable(collectiveTimeout));
        require(slotWaitTimeout != null && !slotWaitTimeout.isNegative(),
                "slot_wait_timeout", "must not be negative, got " + readable(slotWaitTimeout));
        require(Optimizers.NAMES.contains(optimizer), "optimizer",
                "'" + optimizer + "' is unknown; known optimizers: " + String.join(", ", Optimizers.NAMES));
        require(checkpointDir != null, "checkpoint_dir", "must not be null");
        require(checkpointEverySteps >= 0, "checkpoint_every_steps", "must not be negative, got " + checkpointEverySteps);
        require(checkpointInterval != null && !checkpointInterval.isNegative(),
                "checkpoint_interval", "must not be negative, got " + readable(checkpointInterval));
        require(keepCheckpoints >= 1, "keep_checkpoints", "must be at least 1, got " + keepCheckpoints);
        require(maxAttempts >= 1, "max_attempts", "must be at least 1, got " + maxAttempts);
        require(logEverySteps >= 0, "log_every_steps", "must not be negative, got " + logEverySteps);
        require(faultInjection == null || faultInjection.rank() < workers, "fault_injection",
                "names rank " + (faultInjection == null ? 0 : faultInjection.rank()) + " but there are " + workers
                        + " workers");
        return this;
    }

    /** A duration as config files write it, {@code -5s} or {@code 2m}, rather than {@code PT-5S}. */
    private static String readable(Duration duration) {
        return duration == null ? "null" : duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }

    /** Returns the model name. */
    public String modelName() {
        return modelName;
    }

    /** Returns the input spec. */
    public InputSpec input() {
        return input;
    }

    /** Returns the number of epochs. */
    public int epochs() {
        return epochs;
    }

    /** Returns the global batch size. */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the learning rate. */
    public double learningRate() {
        return learningRate;
    }

    /** Returns the momentum. */
    public double momentum() {
        return momentum;
    }

    /** Returns what training minimises. */
    public Objective loss() {
        return loss;
    }

    /** Returns the optimizer name. */
    public String optimizer() {
        return optimizer;
    }

    /** Returns the checkpoint directory URI, empty when checkpoints are off. */
    public String checkpointDir() {
        return checkpointDir;
    }

    /** Returns the step cadence of checkpoints, 0 when off. */
    public long checkpointEverySteps() {
        return checkpointEverySteps;
    }

    /** Returns the time cadence of checkpoints, zero when off. */
    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    /** Returns how many checkpoints are kept. */
    public int keepCheckpoints() {
        return keepCheckpoints;
    }

    /** Returns how many times the barrier stage may be launched. */
    public int maxAttempts() {
        return maxAttempts;
    }

    /** Returns the injected fault, or null. */
    public FaultInjection faultInjection() {
        return faultInjection;
    }

    /** Returns the step-metrics cadence, 0 when off. */
    public int logEverySteps() {
        return logEverySteps;
    }

    /** Returns the TLS settings, or null. */
    public TlsSettings tls() {
        return tls;
    }

    /** Returns the seed. */
    public long seed() {
        return seed;
    }

    /** Returns whether shards are reshuffled each epoch. */
    public boolean shuffle() {
        return shuffle;
    }

    /** Returns the number of workers. */
    public int workers() {
        return workers;
    }

    /** Returns the features column. */
    public String featuresCol() {
        return featuresCol;
    }

    /** Returns the label column. */
    public String labelCol() {
        return labelCol;
    }

    /** Returns the intra-op threads per worker. */
    public int threadsPerWorker() {
        return threadsPerWorker;
    }

    /** Returns the GPUs per worker, 0 for CPU training. */
    public int gpusPerWorker() {
        return gpusPerWorker;
    }

    /** Returns whether a worker without usable CUDA may train on the CPU. */
    public boolean gpuFallbackToCpu() {
        return gpuFallbackToCpu;
    }

    /** Returns the bytes of direct memory each worker may hold its shard in. */
    public long shardMemoryBudget() {
        return shardMemoryBudget;
    }

    /** Returns how gradients travel between workers: {@code none} or {@code bf16}. */
    public String gradientCompression() {
        return gradientCompression;
    }

    /** Returns the wire precision of the gradient all-reduce; call after {@link #validate()}. */
    public WirePrecision gradientWire() {
        return GRADIENT_WIRES.get(gradientCompression);
    }

    /** Returns the collective timeout. */
    public Duration collectiveTimeout() {
        return collectiveTimeout;
    }

    /** Returns how long to wait for task slots. */
    public Duration slotWaitTimeout() {
        return slotWaitTimeout;
    }
}
