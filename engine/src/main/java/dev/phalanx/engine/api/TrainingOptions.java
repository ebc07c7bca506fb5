package dev.phalanx.engine.api;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionType;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.collective.TlsSettings;
import dev.phalanx.engine.collective.WirePrecision;
import dev.phalanx.engine.job.EarlyStopping;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.optim.LearningRateSchedule;
import dev.phalanx.models.BlockFactory;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The settings of one training run, built fluently: required values in the constructor, {@code
 * opt*} setters returning {@code this}. Every setting is an option of {@link TrainingKeys}, whose
 * key, default and check it takes; {@link #set} sets any of them by key. Two groups: how to learn
 * (model, epochs, batch, optimizer, seed) and where to run (workers, columns, threads, timeouts).
 * {@link #validate()} runs before any Spark job; its messages start with the setting's key.
 */
public final class TrainingOptions {

    /** The default of {@link #optShardMemoryBudget}: 512 MiB per worker. */
    public static final long DEFAULT_SHARD_MEMORY_BUDGET = TrainingKeys.SHARD_MEMORY_BUDGET.defaultValue();

    private final String modelName;
    /** The model's parsed spec; for a spec given as text, parsed on first use. */
    private ModelSpec model;
    private final InputSpec input;
    private final Map<OptionKey<?>, Object> values = new HashMap<>();

    /**
     * Creates options for training {@code modelName} on samples shaped by {@code input}.
     *
     * @param modelName a model spec: a name known to {@link dev.phalanx.models.ModelCatalog},
     *     optionally with options, for example {@code "transformer(layers=4)"}, or a user's
     *     {@link BlockFactory} class, {@code "class:com.acme.nets.MyNet(hidden=512)"}
     * @param input the shape of one sample and the number of classes
     */
    public TrainingOptions(String modelName, InputSpec input) {
        this.modelName = Objects.requireNonNull(modelName, "model");
        this.input = Objects.requireNonNull(input, "input");
    }

    /**
     * Creates options for training a parsed model spec, for example one with a config's model
     * options ({@link ModelSpec#withOptions}) or {@link ModelSpec#of(BlockFactory, Map)}.
     */
    public TrainingOptions(ModelSpec model, InputSpec input) {
        this.model = Objects.requireNonNull(model, "model");
        this.modelName = model.text();
        this.input = Objects.requireNonNull(input, "input");
    }

    /**
     * Creates options for training the user's own network: {@code factory} builds it, and travels
     * to every worker by Java serialisation (its class must be on the executors' class path).
     */
    public TrainingOptions(BlockFactory factory, InputSpec input) {
        this(ModelSpec.of(factory), input);
    }

    /**
     * Sets the option {@code key} (checked by {@link #validate()}).
     *
     * @throws IllegalArgumentException if {@code TrainingOptions} does not hold that option (the
     *     model and input spec are the constructor's) or the value has another type
     */
    public <T> TrainingOptions set(OptionKey<T> key, T value) {
        if (!key.inTrainingOptions() || TrainingKeys.REGISTRY.find(key.name()) != key) {
            throw new IllegalArgumentException(key.name() + " is not a training option");
        }
        values.put(key, key.cast(value));
        return this;
    }

    /** Returns the value of {@code key}: the one set, else its default. Arrays are shared: do not change them. */
    public <T> T get(OptionKey<T> key) {
        return key.cast(values.getOrDefault(key, key.defaultValue()));
    }

    /** Sets the number of passes over the data (key {@code epochs}, default 3). */
    public TrainingOptions optEpochs(int epochs) {
        return set(TrainingKeys.EPOCHS, epochs);
    }

    /** Sets the global batch size, split evenly over workers (key {@code batch_size}, default 128). */
    public TrainingOptions optBatchSize(int batchSize) {
        return set(TrainingKeys.BATCH_SIZE, batchSize);
    }

    /** Sets the learning rate (key {@code learning_rate}, default 0.05). */
    public TrainingOptions optLearningRate(double learningRate) {
        return set(TrainingKeys.LEARNING_RATE, learningRate);
    }

    /** Sets the SGD momentum (key {@code momentum}, default 0.9). */
    public TrainingOptions optMomentum(double momentum) {
        return set(TrainingKeys.MOMENTUM, momentum);
    }

    /** Sets the optimizer, {@code sgd} (with momentum) or {@code adam} (key {@code optimizer}, default sgd). */
    public TrainingOptions optOptimizer(String optimizer) {
        return set(TrainingKeys.OPTIMIZER, optimizer);
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
            Objective.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loss " + e.getMessage(), e);
        }
        return set(TrainingKeys.LOSS, name);
    }

    /** Sets the seed of parameter initialisation and shuffling (key {@code seed}, default 42). */
    public TrainingOptions optSeed(long seed) {
        return set(TrainingKeys.SEED, seed);
    }

    /**
     * Sets whether the optimizer state is sharded over the workers (key {@code optimizer_sharding},
     * default false): each keeps 1/W of it and writes its own slice of each checkpoint.
     */
    public TrainingOptions optOptimizerSharding(boolean sharding) {
        return set(TrainingKeys.OPTIMIZER_SHARDING, sharding);
    }

    /** Sets whether each worker reshuffles its shard every epoch (key {@code shuffle}, default true). */
    public TrainingOptions optShuffle(boolean shuffle) {
        return set(TrainingKeys.SHUFFLE, shuffle);
    }

    /** Sets the number of data-parallel workers W (key {@code workers}, default 2). */
    public TrainingOptions optWorkers(int workers) {
        return set(TrainingKeys.WORKERS, workers);
    }

    /** Sets the features column (key {@code features_col}, default "features"). */
    public TrainingOptions optFeaturesCol(String featuresCol) {
        return set(TrainingKeys.FEATURES_COL, featuresCol);
    }

    /** Sets the label column (key {@code label_col}, default "label"). */
    public TrainingOptions optLabelCol(String labelCol) {
        return set(TrainingKeys.LABEL_COL, labelCol);
    }

    /**
     * Sets PyTorch intra-op threads per worker (key {@code threads_per_worker}, default 0: the CPUs
     * Spark gives each task, {@code spark.task.cpus}, which is 1 unless configured).
     */
    public TrainingOptions optThreadsPerWorker(int threadsPerWorker) {
        return set(TrainingKeys.THREADS_PER_WORKER, threadsPerWorker);
    }

    /**
     * Sets how many GPUs each worker trains on; 0 trains on CPUs (key {@code gpus_per_worker},
     * default 0). The training stage then asks Spark for that many GPUs per task, so the master's
     * executors must have GPUs; a worker with several splits its batch over them.
     */
    public TrainingOptions optGpusPerWorker(int gpusPerWorker) {
        return set(TrainingKeys.GPUS_PER_WORKER, gpusPerWorker);
    }

    /**
     * Sets whether a CPU worker trains as a GPU worker does, device-resident (key {@code
     * device_resident_on_cpu}, default false): a testing aid for the GPU path where there is no GPU.
     */
    public TrainingOptions optDeviceResidentOnCpu(boolean deviceResident) {
        return set(TrainingKeys.DEVICE_RESIDENT_ON_CPU, deviceResident);
    }

    /**
     * Sets whether a worker that was given GPUs but finds no usable CUDA device trains on the CPU,
     * with a warning, instead of failing (key {@code gpu_fallback_to_cpu}, default false).
     */
    public TrainingOptions optGpuFallbackToCpu(boolean fallback) {
        return set(TrainingKeys.GPU_FALLBACK_TO_CPU, fallback);
    }

    /**
     * Sets how many bytes of direct memory (off the Java heap) each worker may hold its shard in;
     * the rest spills to the executor's local disk, 0 spills everything (key {@code
     * shard_memory_budget}, default 512 MiB). The memory counts against the executor's off-heap
     * overhead ({@code spark.executor.memoryOverhead}) and the JVM's {@code -XX:MaxDirectMemorySize}.
     */
    public TrainingOptions optShardMemoryBudget(long bytes) {
        return set(TrainingKeys.SHARD_MEMORY_BUDGET, bytes);
    }

    /**
     * Sets how gradients travel between workers (key {@code gradient_compression}, default {@code
     * none}): {@code none} sends them as float32; {@code bf16} rounds them to bfloat16 on the wire,
     * half the bytes, at a relative error of at most 2<sup>-8</sup> per rounding (sums stay float32,
     * workers stay identical). Worth it when the network, not the computation, limits the step.
     */
    public TrainingOptions optGradientCompression(String compression) {
        return set(TrainingKeys.GRADIENT_COMPRESSION, compression);
    }

    /** Sets how long a worker waits on a silent peer (key {@code collective_timeout}, default 2 min). */
    public TrainingOptions optCollectiveTimeout(Duration collectiveTimeout) {
        return set(TrainingKeys.COLLECTIVE_TIMEOUT, collectiveTimeout);
    }

    /**
     * Sets how long a worker waits at the start-up rendezvous for the others before the job fails
     * (key {@code rendezvous_timeout}, default 10 min), whatever the session's {@code
     * spark.barrier.sync.timeout} (Spark's default: 365 days).
     */
    public TrainingOptions optRendezvousTimeout(Duration rendezvousTimeout) {
        return set(TrainingKeys.RENDEZVOUS_TIMEOUT, rendezvousTimeout);
    }

    /** Sets how long to wait for enough task slots (key {@code slot_wait_timeout}, default 60 s). */
    public TrainingOptions optSlotWaitTimeout(Duration slotWaitTimeout) {
        return set(TrainingKeys.SLOT_WAIT_TIMEOUT, slotWaitTimeout);
    }

    /**
     * Sets where checkpoints go, any Hadoop file system URI; empty disables checkpoints (key {@code
     * checkpoint_dir}, default empty). A job whose directory holds checkpoints resumes from the
     * newest valid one.
     */
    public TrainingOptions optCheckpointDir(String checkpointDir) {
        return set(TrainingKeys.CHECKPOINT_DIR, checkpointDir);
    }

    /** Checkpoints every {@code steps} steps; 0 disables (key {@code checkpoint_every_steps}, default 0). */
    public TrainingOptions optCheckpointEverySteps(long steps) {
        return set(TrainingKeys.CHECKPOINT_EVERY_STEPS, steps);
    }

    /**
     * Checkpoints when this much time has passed since the last; zero disables (key {@code
     * checkpoint_interval}, default 5 min).
     */
    public TrainingOptions optCheckpointInterval(Duration interval) {
        return set(TrainingKeys.CHECKPOINT_INTERVAL, interval);
    }

    /**
     * Checkpoints at Daly's interval for the job's mean time between failures ({@link
     * #optMtbf}, over the number of workers) and the pause each checkpoint costs, as measured
     * (key {@code checkpoint_interval = auto}).
     */
    public TrainingOptions optCheckpointIntervalAuto() {
        return set(TrainingKeys.CHECKPOINT_INTERVAL, OptionType.AUTO);
    }

    /**
     * Sets one worker's mean time between failures (its GPUs or executor), which {@code
     * checkpoint_interval = auto} needs (key {@code mtbf}, default 0: unknown).
     */
    public TrainingOptions optMtbf(Duration mtbf) {
        return set(TrainingKeys.MTBF, mtbf);
    }

    /**
     * Sets how long one checkpoint write, or one call to the checkpoint store on the driver, may
     * take before the job fails naming the store (key {@code checkpoint_timeout}, default 10 min).
     * Training does not wait for checkpoint writes.
     */
    public TrainingOptions optCheckpointTimeout(Duration checkpointTimeout) {
        return set(TrainingKeys.CHECKPOINT_TIMEOUT, checkpointTimeout);
    }

    /** Sets how many checkpoints to keep (key {@code keep_checkpoints}, default 3). */
    public TrainingOptions optKeepCheckpoints(int keep) {
        return set(TrainingKeys.KEEP_CHECKPOINTS, keep);
    }

    /**
     * Sets how long the job's lease on its checkpoint directory stays valid without a heartbeat;
     * another job takes over a lease older than this (key {@code lease_timeout}, default 2 min).
     */
    public TrainingOptions optLeaseTimeout(Duration timeout) {
        return set(TrainingKeys.LEASE_TIMEOUT, timeout);
    }

    /**
     * Lets a job resume from a checkpoint of the same job that was trained on other data (another
     * row count or content hash), which is otherwise refused (key {@code resume_with_other_data},
     * default false).
     */
    public TrainingOptions optResumeWithOtherData(boolean resume) {
        return set(TrainingKeys.RESUME_WITH_OTHER_DATA, resume);
    }

    /**
     * Starts from the parameter values at {@code uri} instead of random ones, for fine-tuning: a DJL
     * {@code .params} file, a Phalanx run or checkpoint directory, or a TorchScript file (key {@code
     * init_from}, default empty: from the seed). A run that resumes from its own checkpoint ignores it.
     */
    public TrainingOptions optInitFrom(String uri) {
        return set(TrainingKeys.INIT_FROM, uri);
    }

    /** Keeps the parameters whose names start with one of {@code prefixes} as they are (key {@code freeze}). */
    public TrainingOptions optFreeze(String... prefixes) {
        return set(TrainingKeys.FREEZE, prefixes.clone());
    }

    /**
     * Sets how many times the barrier stage is launched before the job fails; each relaunch resumes
     * from the newest checkpoint (key {@code max_attempts}, default 3).
     */
    public TrainingOptions optMaxAttempts(int maxAttempts) {
        return set(TrainingKeys.MAX_ATTEMPTS, maxAttempts);
    }

    /**
     * Makes worker {@code rank} throw just before global step {@code step}, or stall before the
     * rendezvous, in the first attempt: a testing aid for recovery and timeouts (key {@code
     * fault_injection}, as {@code "rank:step"} or {@code "rank:rendezvous"}); null for none.
     */
    public TrainingOptions optFaultInjection(FaultInjection fault) {
        return set(TrainingKeys.FAULT_INJECTION, fault == null ? "" : fault.text());
    }

    /** Reports step metrics every {@code steps} steps; 0 = only per epoch (key {@code log_every_steps}, default 50). */
    public TrainingOptions optLogEverySteps(int steps) {
        return set(TrainingKeys.LOG_EVERY_STEPS, steps);
    }

    /**
     * Sets how encoded images (PNG/JPEG bytes in the features column) are normalised after scaling
     * to [0, 1]: {@code (x - mean) / std} per channel (keys {@code image_mean}, {@code image_std};
     * null or empty: mean 0, std 1).
     */
    public TrainingOptions optImageNormalization(double[] mean, double[] std) {
        set(TrainingKeys.IMAGE_MEAN, mean == null ? new double[0] : mean.clone());
        return set(TrainingKeys.IMAGE_STD, std == null ? new double[0] : std.clone());
    }

    /**
     * Encrypts the workers' connections with mutual TLS (keys {@code tls_*}); null for plain TCP.
     */
    public TrainingOptions optTls(TlsSettings tls) {
        set(TrainingKeys.TLS_KEY_STORE, tls == null ? "" : tls.keyStore());
        set(TrainingKeys.TLS_KEY_STORE_PASSWORD, tls == null ? "" : tls.keyStorePassword());
        set(TrainingKeys.TLS_TRUST_STORE, tls == null ? "" : tls.trustStore());
        set(TrainingKeys.TLS_TRUST_STORE_PASSWORD, tls == null ? "" : tls.trustStorePassword());
        return set(TrainingKeys.TLS_PROTOCOL, tls == null ? TrainingKeys.TLS_PROTOCOL.defaultValue() : tls.protocol());
    }

    /**
     * Checks every value: each option on its own ({@link TrainingKeys}), then the ones that depend
     * on each other and on the model and input.
     *
     * @throws IllegalArgumentException whose message starts with the offending key
     */
    public TrainingOptions validate() {
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            if (key.inTrainingOptions()) {
                check(key);
            }
        }
        OptionCombinations.check(this);
        return this;
    }

    private <T> void check(OptionKey<T> key) {
        String problem = key.problem(get(key));
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Returns the model spec as text, as given (a spec given parsed or as a factory: its {@link
     * ModelSpec#text()}); checkpoints record it.
     */
    public String modelName() {
        return modelName;
    }

    /**
     * Returns the model spec.
     *
     * @throws IllegalArgumentException for an unknown model or option, a malformed value, or a
     *     factory class that cannot be loaded, naming it
     */
    public ModelSpec model() {
        if (model == null) {
            model = ModelSpec.parse(modelName);
        }
        return model;
    }

    /** Returns the input spec. */
    public InputSpec input() {
        return input;
    }

    /** Returns the number of epochs. */
    public int epochs() {
        return get(TrainingKeys.EPOCHS);
    }

    /** Returns the global batch size. */
    public int batchSize() {
        return get(TrainingKeys.BATCH_SIZE);
    }

    /** Returns the learning rate. */
    public double learningRate() {
        return get(TrainingKeys.LEARNING_RATE);
    }

    /** Returns the momentum. */
    public double momentum() {
        return get(TrainingKeys.MOMENTUM);
    }

    /** Returns what training minimises. */
    public Objective loss() {
        return Objective.parse(get(TrainingKeys.LOSS));
    }

    /** Returns the optimizer name. */
    public String optimizer() {
        return get(TrainingKeys.OPTIMIZER);
    }

    /** Returns the checkpoint directory URI, empty when checkpoints are off. */
    public String checkpointDir() {
        return get(TrainingKeys.CHECKPOINT_DIR);
    }

    /** Returns the step cadence of checkpoints, 0 when off. */
    public long checkpointEverySteps() {
        return get(TrainingKeys.CHECKPOINT_EVERY_STEPS);
    }

    /**
     * Returns the time cadence of checkpoints, zero when off, {@link OptionType#AUTO} when chosen
     * automatically (see {@link #checkpointIntervalAuto()}).
     */
    public Duration checkpointInterval() {
        return get(TrainingKeys.CHECKPOINT_INTERVAL);
    }

    /** Returns whether the checkpoint interval is chosen from {@link #mtbf()} and the measured checkpoint pause. */
    public boolean checkpointIntervalAuto() {
        return checkpointInterval().equals(OptionType.AUTO);
    }

    /** Returns one worker's mean time between failures, zero when unknown. */
    public Duration mtbf() {
        return get(TrainingKeys.MTBF);
    }

    /** Returns how many checkpoints are kept. */
    public int keepCheckpoints() {
        return get(TrainingKeys.KEEP_CHECKPOINTS);
    }

    /** Returns how long one checkpoint write or store call on the driver may take. */
    public Duration checkpointTimeout() {
        return get(TrainingKeys.CHECKPOINT_TIMEOUT);
    }

    /** Returns how long a lease stays valid without a heartbeat. */
    public Duration leaseTimeout() {
        return get(TrainingKeys.LEASE_TIMEOUT);
    }

    /** Sets the weight decay: an L2 term for sgd and adam, decoupled for adamw (key {@code weight_decay}, default 0). */
    public TrainingOptions optWeightDecay(double weightDecay) {
        return set(TrainingKeys.WEIGHT_DECAY, weightDecay);
    }

    /**
     * Sets the learning-rate schedule after {@code warmupSteps} of linear warm-up: {@code constant},
     * {@code step} or {@code cosine}; or {@code one_cycle}, PyTorch's {@code OneCycleLR} (cosine,
     * {@code div_factor} 25, {@code final_div_factor} 1e4, two phases) with the learning rate as its
     * peak, which rises over {@code warmupSteps} (0: 30% of the run, {@code OneCycleLR}'s default
     * {@code pct_start}) instead of a linear warm-up. Unlike {@code OneCycleLR}'s default, {@code
     * one_cycle} does not cycle the momentum (SGD's momentum, Adam's beta1). Keys {@code
     * lr_schedule}, {@code warmup_steps}.
     */
    public TrainingOptions optLearningRateSchedule(String schedule, long warmupSteps) {
        set(TrainingKeys.LR_SCHEDULE, schedule);
        return set(TrainingKeys.WARMUP_STEPS, warmupSteps);
    }

    /** Clips the averaged gradients to this global L2 norm; 0 turns it off (key {@code clip_grad_norm}). */
    public TrainingOptions optClipGradNorm(double maxNorm) {
        return set(TrainingKeys.CLIP_GRAD_NORM, maxNorm);
    }

    /** Returns the learning rate of every step. */
    public LearningRateSchedule learningRateSchedule() {
        return new LearningRateSchedule(get(TrainingKeys.LR_SCHEDULE), (float) learningRate(),
                get(TrainingKeys.WARMUP_STEPS), get(TrainingKeys.LR_STEP_SIZE), get(TrainingKeys.LR_GAMMA));
    }

    /** Returns the weight decay. */
    public double weightDecay() {
        return get(TrainingKeys.WEIGHT_DECAY);
    }

    /** Sets cross-entropy's label smoothing, in [0, 1) (key {@code label_smoothing}, default 0). */
    public TrainingOptions optLabelSmoothing(double smoothing) {
        return set(TrainingKeys.LABEL_SMOOTHING, smoothing);
    }

    /**
     * Computes each worker's share of a batch in {@code steps} micro-batches, one after another (key
     * {@code accumulation_steps}, default 1): less memory for activations, the same step.
     */
    public TrainingOptions optAccumulationSteps(int steps) {
        return set(TrainingKeys.ACCUMULATION_STEPS, steps);
    }

    /** Returns the micro-batches per worker batch. */
    public int accumulationSteps() {
        return get(TrainingKeys.ACCUMULATION_STEPS);
    }

    /**
     * Holds out about {@code fraction} of the training rows for validation (key {@code
     * validation_fraction}, default 0): a row is held out by a hash of its content and the seed, so
     * the same rows every run, whatever the partitioning. For a separate validation set, pass it to
     * {@link Phalanx#fit(org.apache.spark.sql.Dataset, org.apache.spark.sql.Dataset, TrainingOptions,
     * ProgressListener)} instead.
     */
    public TrainingOptions optValidationFraction(double fraction) {
        return set(TrainingKeys.VALIDATION_FRACTION, fraction);
    }

    /** Returns the fraction of training rows held out for validation. */
    public double validationFraction() {
        return get(TrainingKeys.VALIDATION_FRACTION);
    }

    /** Validates every {@code steps} steps instead of at every epoch's end (key {@code validate_every_steps}). */
    public TrainingOptions optValidateEverySteps(int steps) {
        return set(TrainingKeys.VALIDATE_EVERY_STEPS, steps);
    }

    /** Returns the steps between validations, or 0 for every epoch's end. */
    public int validateEverySteps() {
        return get(TrainingKeys.VALIDATE_EVERY_STEPS);
    }

    /** Sets the k of the top-k accuracy validation and test report (key {@code top_k}, default 5; 0 = none). */
    public TrainingOptions optTopK(int k) {
        return set(TrainingKeys.TOP_K, k);
    }

    /** Returns the k of the top-k accuracy. */
    public int topK() {
        return get(TrainingKeys.TOP_K);
    }

    /**
     * Stops after {@code patience} validations without an improvement of {@code metric} by more than
     * {@code minDelta}, and returns the best validation's parameters as the model (keys {@code
     * early_stopping_patience}, {@code early_stopping_metric}, {@code early_stopping_min_delta}).
     */
    public TrainingOptions optEarlyStopping(String metric, int patience, double minDelta) {
        set(TrainingKeys.EARLY_STOPPING_METRIC, metric);
        set(TrainingKeys.EARLY_STOPPING_MIN_DELTA, minDelta);
        return set(TrainingKeys.EARLY_STOPPING_PATIENCE, patience);
    }

    /** Returns the early-stopping rule ({@link EarlyStopping#enabled()} false when off). */
    public EarlyStopping earlyStopping() {
        return new EarlyStopping(get(TrainingKeys.EARLY_STOPPING_METRIC), get(TrainingKeys.EARLY_STOPPING_PATIENCE),
                get(TrainingKeys.EARLY_STOPPING_MIN_DELTA));
    }

    /** Sets cross-entropy's weight per class (key {@code class_weights}, default none). */
    public TrainingOptions optClassWeights(double... weights) {
        return set(TrainingKeys.CLASS_WEIGHTS, weights.clone());
    }

    /** Returns cross-entropy's weight per class, or an empty array for none. */
    public double[] classWeights() {
        return get(TrainingKeys.CLASS_WEIGHTS).clone();
    }

    /** Returns cross-entropy's label smoothing. */
    public double labelSmoothing() {
        return get(TrainingKeys.LABEL_SMOOTHING);
    }

    /** Returns the global norm the gradients are clipped to, or 0 for none. */
    public double clipGradNorm() {
        return get(TrainingKeys.CLIP_GRAD_NORM);
    }

    /** Returns whether a checkpoint trained on other data may be resumed from. */
    public boolean resumeWithOtherData() {
        return get(TrainingKeys.RESUME_WITH_OTHER_DATA);
    }

    /** Returns where the initial parameter values come from, or empty for the seed. */
    public String initFrom() {
        return get(TrainingKeys.INIT_FROM);
    }

    /** Returns the name prefixes of the parameters that are not trained. */
    public String[] freeze() {
        return get(TrainingKeys.FREEZE).clone();
    }

    /** Returns how many times the barrier stage may be launched. */
    public int maxAttempts() {
        return get(TrainingKeys.MAX_ATTEMPTS);
    }

    /** Returns the injected fault, or null. */
    public FaultInjection faultInjection() {
        String text = get(TrainingKeys.FAULT_INJECTION);
        return text.isBlank() ? null : FaultInjection.parse(text);
    }

    /** Returns the step-metrics cadence, 0 when off. */
    public int logEverySteps() {
        return get(TrainingKeys.LOG_EVERY_STEPS);
    }

    /**
     * Returns the TLS settings, or null when {@code tls_key_store} is empty; an empty trust store
     * (or its password) means the key store's.
     */
    public TlsSettings tls() {
        return TlsSettings.fromKeys(get(TrainingKeys.TLS_KEY_STORE), get(TrainingKeys.TLS_KEY_STORE_PASSWORD),
                get(TrainingKeys.TLS_TRUST_STORE), get(TrainingKeys.TLS_TRUST_STORE_PASSWORD),
                get(TrainingKeys.TLS_PROTOCOL));
    }

    /** Returns the seed. */
    public long seed() {
        return get(TrainingKeys.SEED);
    }

    /** Returns whether the optimizer state is sharded over the workers. */
    public boolean optimizerSharding() {
        return get(TrainingKeys.OPTIMIZER_SHARDING);
    }

    /** Returns whether shards are reshuffled each epoch. */
    public boolean shuffle() {
        return get(TrainingKeys.SHUFFLE);
    }

    /** Returns the number of workers. */
    public int workers() {
        return get(TrainingKeys.WORKERS);
    }

    /** Returns the features column. */
    public String featuresCol() {
        return get(TrainingKeys.FEATURES_COL);
    }

    /** Returns the label column. */
    public String labelCol() {
        return get(TrainingKeys.LABEL_COL);
    }

    /** Returns the intra-op threads per worker. */
    public int threadsPerWorker() {
        return get(TrainingKeys.THREADS_PER_WORKER);
    }

    /** Returns the GPUs per worker, 0 for CPU training. */
    public int gpusPerWorker() {
        return get(TrainingKeys.GPUS_PER_WORKER);
    }

    /** Returns whether a CPU worker trains device-resident, as a GPU worker does. */
    public boolean deviceResidentOnCpu() {
        return get(TrainingKeys.DEVICE_RESIDENT_ON_CPU);
    }

    /** Returns whether a worker without usable CUDA may train on the CPU. */
    public boolean gpuFallbackToCpu() {
        return get(TrainingKeys.GPU_FALLBACK_TO_CPU);
    }

    /** Returns the bytes of direct memory each worker may hold its shard in. */
    public long shardMemoryBudget() {
        return get(TrainingKeys.SHARD_MEMORY_BUDGET);
    }

    /** Returns how gradients travel between workers: {@code none} or {@code bf16}. */
    public String gradientCompression() {
        return get(TrainingKeys.GRADIENT_COMPRESSION);
    }

    /** Returns the wire precision of the gradient all-reduce; call after {@link #validate()}. */
    public WirePrecision gradientWire() {
        return gradientCompression().equals("bf16") ? WirePrecision.BFLOAT16 : WirePrecision.FLOAT32;
    }

    /** Returns the collective timeout. */
    public Duration collectiveTimeout() {
        return get(TrainingKeys.COLLECTIVE_TIMEOUT);
    }

    /** Returns how long a worker waits at the start-up rendezvous. */
    public Duration rendezvousTimeout() {
        return get(TrainingKeys.RENDEZVOUS_TIMEOUT);
    }

    /** Returns how long to wait for task slots. */
    public Duration slotWaitTimeout() {
        return get(TrainingKeys.SLOT_WAIT_TIMEOUT);
    }

    /** Returns the per-channel mean of encoded images, or null for 0. */
    public double[] imageMean() {
        double[] mean = get(TrainingKeys.IMAGE_MEAN);
        return mean.length == 0 ? null : mean.clone();
    }

    /** Returns the per-channel standard deviation of encoded images, or null for 1. */
    public double[] imageStd() {
        double[] std = get(TrainingKeys.IMAGE_STD);
        return std.length == 0 ? null : std.clone();
    }
}
