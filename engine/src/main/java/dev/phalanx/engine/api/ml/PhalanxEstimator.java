package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.ProgressListener;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.models.BlockFactory;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;

/**
 * The training params of Phalanx's Spark ML estimators: one param per option of {@link
 * TrainingKeys} that an estimator takes (all but the loss, TLS and the fault-injection testing
 * aid), with the option's name in camel case, its default, check and description, so an estimator
 * trains with the same defaults as {@link TrainingOptions} and the {@code phalanx} command.
 * Durations are strings as in a config file ({@code "2m"}); sizes are bytes.
 *
 * @param <E> the estimator, which the setters return
 * @param <M> the model it trains
 */
public abstract class PhalanxEstimator<E extends PhalanxEstimator<E, M>, M extends Model<M>> extends Estimator<M> {

    private static final long serialVersionUID = 1L;

    private final String uid;
    /** One param per training option the estimator takes, in the registry's order. */
    private final Map<OptionKey<?>, Param<?>> options = new LinkedHashMap<>();
    /** The estimator's own params besides the options, such as a model's output columns. */
    private final List<Param<?>> own = new ArrayList<>();
    private transient ProgressListener listener = metrics -> {};
    /** The user's network when given as an instance ({@link #setModel}); else the modelName param names it. */
    private BlockFactory factory;

    /** Creates the estimator's option params with their defaults. */
    protected PhalanxEstimator(String uid) {
        this.uid = uid;
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            if (key.inEstimator()) {
                Param<?> param = OptionParams.create(this, key);
                options.put(key, param);
                setDefault(untyped(param), OptionParams.paramDefault(key));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Param<Object> untyped(Param<?> param) {
        return (Param<Object>) param;
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Registers a param of the estimator's own (not a training option) and returns it. */
    protected final <P extends Param<?>> P own(P param) {
        own.add(param);
        return param;
    }

    /** Every param, sorted by name as Spark ML lists them: the training options' and the estimator's own. */
    @Override
    public Param<?>[] params() {
        List<Param<?>> all = new ArrayList<>(options.values());
        all.addAll(own);
        all.sort(Comparator.comparing(Param::name));
        return all.toArray(new Param<?>[0]);
    }

    /** Returns the param of a training option, or throws if the estimator does not take it. */
    public Param<?> param(OptionKey<?> key) {
        Param<?> param = options.get(key);
        if (param == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no param for option " + key.name());
        }
        return param;
    }

    /** Returns the option's value: its param's, or the default. */
    protected final <T> T value(OptionKey<T> key) {
        return OptionParams.optionValue(key, getOrDefault(param(key)));
    }

    /**
     * Returns the options for training the model on {@code input}, from every param: the factory
     * {@link #setModel} gave, else the spec of {@code value(MODEL)}.
     */
    protected final TrainingOptions trainingOptions(InputSpec input) {
        TrainingOptions training = factory != null ? new TrainingOptions(factory, input)
                : new TrainingOptions(value(TrainingKeys.MODEL), input);
        for (OptionKey<?> key : options.keySet()) {
            if (key.inTrainingOptions()) {
                copyOption(key, training);
            }
        }
        return training;
    }

    private <T> void copyOption(OptionKey<T> key, TrainingOptions training) {
        training.set(key, value(key));
    }

    /** Returns this estimator as its own type. */
    @SuppressWarnings("unchecked")
    protected final E self() {
        return (E) this;
    }

    private E setOption(OptionKey<?> key, Object value) {
        set(param(key).name(), value);
        return self();
    }

    /**
     * Sets what is told of progress during {@code fit}, on the driver (per epoch, per logged
     * step, and notices such as a relaunch). Not a param: it is not saved.
     */
    public E setProgressListener(ProgressListener value) {
        listener = value == null ? metrics -> {} : value;
        return self();
    }

    /** Returns what is told of progress during {@code fit}. */
    protected final ProgressListener progressListener() {
        return listener;
    }

    /**
     * Returns {@code copy} with what this estimator holds besides params: the progress listener and
     * a factory given to {@link #setModel}; {@code copy} overrides call it.
     */
    protected final E withNonParams(E copy) {
        PhalanxEstimator<E, M> target = copy;
        target.listener = listener;
        target.factory = factory;
        return copy;
    }

    /**
     * Sets the network to the user's own: {@code factory} builds it and travels to the executors by
     * Java serialisation, so its class must be on their class path (the application jar, {@code
     * --jars}, or a notebook's classes). The modelName param records it as {@code
     * class:<factory name>}; a model trained this way and saved is loaded by that class's public
     * no-argument constructor.
     */
    public E setModel(BlockFactory value) {
        factory = Objects.requireNonNull(value, "model factory");
        return setOption(TrainingKeys.MODEL, ModelSpec.of(value).text());
    }

    /** Features column (default {@code features}). */
    @SuppressWarnings("unchecked")
    public Param<String> featuresCol() {
        return (Param<String>) param(TrainingKeys.FEATURES_COL);
    }

    /** Label column (default {@code label}). */
    @SuppressWarnings("unchecked")
    public Param<String> labelCol() {
        return (Param<String>) param(TrainingKeys.LABEL_COL);
    }

    /** Network: a catalog spec or {@code class:} a factory class (default {@code mlp}). */
    @SuppressWarnings("unchecked")
    public Param<String> modelName() {
        return (Param<String>) param(TrainingKeys.MODEL);
    }

    /** Shape of one sample (default empty: flat, the features' length). */
    public IntArrayParam inputShape() {
        return (IntArrayParam) param(TrainingKeys.SAMPLE_SHAPE);
    }

    /** Number of classes (default 0: inferred from the labels). */
    public IntParam numClasses() {
        return (IntParam) param(TrainingKeys.NUM_CLASSES);
    }

    /** Training tasks (default 2). */
    public IntParam workers() {
        return (IntParam) param(TrainingKeys.WORKERS);
    }

    /** Passes over the data (default 3). */
    public IntParam epochs() {
        return (IntParam) param(TrainingKeys.EPOCHS);
    }

    /** Global batch size (default 128). */
    public IntParam batchSize() {
        return (IntParam) param(TrainingKeys.BATCH_SIZE);
    }

    /** Learning rate (default 0.05). */
    public DoubleParam learningRate() {
        return (DoubleParam) param(TrainingKeys.LEARNING_RATE);
    }

    /** SGD momentum (default 0.9). */
    public DoubleParam momentum() {
        return (DoubleParam) param(TrainingKeys.MOMENTUM);
    }

    /** Optimizer, {@code sgd}, {@code adam} or {@code adamw} (default {@code sgd}). */
    @SuppressWarnings("unchecked")
    public Param<String> optimizer() {
        return (Param<String>) param(TrainingKeys.OPTIMIZER);
    }

    /** How gradients travel between workers, {@code none} or {@code bf16} (default {@code none}). */
    @SuppressWarnings("unchecked")
    public Param<String> gradientCompression() {
        return (Param<String>) param(TrainingKeys.GRADIENT_COMPRESSION);
    }

    /** Seed (default 42). */
    public LongParam seed() {
        return (LongParam) param(TrainingKeys.SEED);
    }

    /** Per-epoch reshuffle (default true). */
    public BooleanParam shuffle() {
        return (BooleanParam) param(TrainingKeys.SHUFFLE);
    }

    /** PyTorch threads per worker (default 0: the CPUs Spark gives each task, {@code spark.task.cpus}). */
    public IntParam threadsPerWorker() {
        return (IntParam) param(TrainingKeys.THREADS_PER_WORKER);
    }

    /** GPUs per worker (default 0: CPU). */
    public IntParam gpusPerWorker() {
        return (IntParam) param(TrainingKeys.GPUS_PER_WORKER);
    }

    /** Bytes of direct memory per worker's shard before it spills to local disk (default 512 MiB). */
    public LongParam shardMemoryBudget() {
        return (LongParam) param(TrainingKeys.SHARD_MEMORY_BUDGET);
    }

    /** Whether a worker without CUDA may fall back to the CPU (default false). */
    public BooleanParam gpuFallbackToCpu() {
        return (BooleanParam) param(TrainingKeys.GPU_FALLBACK_TO_CPU);
    }

    /** How long a worker waits on a silent peer, as in a config file (default {@code "2m"}). */
    @SuppressWarnings("unchecked")
    public Param<String> collectiveTimeout() {
        return (Param<String>) param(TrainingKeys.COLLECTIVE_TIMEOUT);
    }

    /** How long a worker waits at the start-up rendezvous, as in a config file (default {@code "10m"}). */
    @SuppressWarnings("unchecked")
    public Param<String> rendezvousTimeout() {
        return (Param<String>) param(TrainingKeys.RENDEZVOUS_TIMEOUT);
    }

    /** How long one checkpoint write or store call may take, as in a config file (default {@code "10m"}). */
    @SuppressWarnings("unchecked")
    public Param<String> checkpointTimeout() {
        return (Param<String>) param(TrainingKeys.CHECKPOINT_TIMEOUT);
    }

    /** How long to wait for enough task slots, as in a config file (default {@code "60s"}). */
    @SuppressWarnings("unchecked")
    public Param<String> slotWaitTimeout() {
        return (Param<String>) param(TrainingKeys.SLOT_WAIT_TIMEOUT);
    }

    /** Checkpoint directory on any Hadoop file system (default empty: none). */
    @SuppressWarnings("unchecked")
    public Param<String> checkpointDir() {
        return (Param<String>) param(TrainingKeys.CHECKPOINT_DIR);
    }

    /** Steps between checkpoints (default 0: only by time and at the end). */
    public LongParam checkpointEverySteps() {
        return (LongParam) param(TrainingKeys.CHECKPOINT_EVERY_STEPS);
    }

    /**
     * Time between checkpoints, as in a config file (default {@code "5m"}; {@code "0s"}: only by
     * steps; {@code "auto"}: Daly's interval from {@link #mtbf()} and the measured pause).
     */
    @SuppressWarnings("unchecked")
    public Param<String> checkpointInterval() {
        return (Param<String>) param(TrainingKeys.CHECKPOINT_INTERVAL);
    }

    /** One worker's mean time between failures, as in a config file (default {@code "0s"}: unknown). */
    @SuppressWarnings("unchecked")
    public Param<String> mtbf() {
        return (Param<String>) param(TrainingKeys.MTBF);
    }

    /** Newest checkpoints kept (default 3). */
    public IntParam keepCheckpoints() {
        return (IntParam) param(TrainingKeys.KEEP_CHECKPOINTS);
    }

    /** Launches of the training stage before giving up (default 3). */
    public IntParam maxAttempts() {
        return (IntParam) param(TrainingKeys.MAX_ATTEMPTS);
    }

    /** Steps between progress reports to the listener (default 50; 0: only per epoch). */
    public IntParam logEverySteps() {
        return (IntParam) param(TrainingKeys.LOG_EVERY_STEPS);
    }

    /** Per-channel mean of encoded images (PNG/JPEG bytes), after scaling to [0, 1] (default empty: 0). */
    public DoubleArrayParam imageMean() {
        return (DoubleArrayParam) param(TrainingKeys.IMAGE_MEAN);
    }

    /** Per-channel standard deviation of encoded images, after subtracting the mean (default empty: 1). */
    public DoubleArrayParam imageStd() {
        return (DoubleArrayParam) param(TrainingKeys.IMAGE_STD);
    }

    /** Sets how encoded images are normalised: {@code (x - mean) / std} per channel, x in [0, 1]. */
    public E setImageNormalization(double[] mean, double[] std) {
        setOption(TrainingKeys.IMAGE_MEAN, mean);
        return setOption(TrainingKeys.IMAGE_STD, std);
    }

    /** Sets the features column. */
    public E setFeaturesCol(String value) {
        return setOption(TrainingKeys.FEATURES_COL, value);
    }

    /** Sets the label column. */
    public E setLabelCol(String value) {
        return setOption(TrainingKeys.LABEL_COL, value);
    }

    /**
     * Sets the network by its spec: a catalog name with options ({@code "cnn(channels=32)"}) or a
     * factory class ({@code "class:com.acme.nets.MyNet(hidden=64)"}); replaces a factory given to
     * {@link #setModel}.
     */
    public E setModelName(String value) {
        factory = null;
        return setOption(TrainingKeys.MODEL, value);
    }

    /** Sets the shape of one sample, for example {@code [1, 28, 28]} for the CNN. */
    public E setInputShape(int[] value) {
        return setOption(TrainingKeys.SAMPLE_SHAPE, value);
    }

    /** Sets the number of classes (0: inferred from the labels). */
    public E setNumClasses(int value) {
        return setOption(TrainingKeys.NUM_CLASSES, value);
    }

    /** Sets the number of training tasks. */
    public E setWorkers(int value) {
        return setOption(TrainingKeys.WORKERS, value);
    }

    /** Sets the number of epochs. */
    public E setEpochs(int value) {
        return setOption(TrainingKeys.EPOCHS, value);
    }

    /** Sets the global batch size. */
    public E setBatchSize(int value) {
        return setOption(TrainingKeys.BATCH_SIZE, value);
    }

    /** Sets the learning rate. */
    public E setLearningRate(double value) {
        return setOption(TrainingKeys.LEARNING_RATE, value);
    }

    /** Sets the SGD momentum. */
    public E setMomentum(double value) {
        return setOption(TrainingKeys.MOMENTUM, value);
    }

    /** Sets the optimizer, {@code sgd}, {@code adam} or {@code adamw}. */
    public E setOptimizer(String value) {
        return setOption(TrainingKeys.OPTIMIZER, value);
    }

    /** Sets the weight decay: an L2 term for sgd and adam, decoupled for adamw. */
    public E setWeightDecay(double value) {
        return setOption(TrainingKeys.WEIGHT_DECAY, value);
    }

    /**
     * Sets the learning-rate schedule after warm-up: {@code constant}, {@code step}, {@code cosine} or
     * {@code one_cycle} (as torch's {@code OneCycleLR}, rising over the warm-up steps; momentum not cycled).
     */
    public E setLrSchedule(String value) {
        return setOption(TrainingKeys.LR_SCHEDULE, value);
    }

    /** Sets the steps of linear learning-rate warm-up from 0 (for {@code one_cycle}, of its own rise). */
    public E setWarmupSteps(long value) {
        return setOption(TrainingKeys.WARMUP_STEPS, value);
    }

    /** Sets, for the step schedule, the steps between decays. */
    public E setLrStepSize(long value) {
        return setOption(TrainingKeys.LR_STEP_SIZE, value);
    }

    /** Sets, for the step schedule, the factor of each decay. */
    public E setLrGamma(double value) {
        return setOption(TrainingKeys.LR_GAMMA, value);
    }

    /** Sets the micro-batches each worker computes its share of a batch in (gradient accumulation). */
    public E setAccumulationSteps(int value) {
        return setOption(TrainingKeys.ACCUMULATION_STEPS, value);
    }

    /** Sets cross-entropy's weight per class (empty: none). */
    public E setClassWeights(double[] value) {
        return setOption(TrainingKeys.CLASS_WEIGHTS, value);
    }

    /** Sets cross-entropy's label smoothing, in [0, 1). */
    public E setLabelSmoothing(double value) {
        return setOption(TrainingKeys.LABEL_SMOOTHING, value);
    }

    /** Sets the global L2 norm the averaged gradients are clipped to; 0 turns clipping off. */
    public E setClipGradNorm(double value) {
        return setOption(TrainingKeys.CLIP_GRAD_NORM, value);
    }

    /**
     * Sets the fraction of the training rows held out for validation (by a hash of each row's
     * content and the seed); the model's {@code validations()} and {@code validationFrame()} show
     * the results.
     */
    public E setValidationFraction(double value) {
        return setOption(TrainingKeys.VALIDATION_FRACTION, value);
    }

    /** Sets the steps between validations; 0 validates at every epoch's end. */
    public E setValidateEverySteps(int value) {
        return setOption(TrainingKeys.VALIDATE_EVERY_STEPS, value);
    }

    /** Sets the k of the top-k accuracy validation reports (0: none). */
    public E setTopK(int value) {
        return setOption(TrainingKeys.TOP_K, value);
    }

    /** Sets the validations without improvement after which training stops and keeps the best; 0 = off. */
    public E setEarlyStoppingPatience(int value) {
        return setOption(TrainingKeys.EARLY_STOPPING_PATIENCE, value);
    }

    /** Sets the validation metric early stopping watches ({@code loss}, {@code accuracy}, …). */
    public E setEarlyStoppingMetric(String value) {
        return setOption(TrainingKeys.EARLY_STOPPING_METRIC, value);
    }

    /** Sets the least change of the early-stopping metric that counts as an improvement. */
    public E setEarlyStoppingMinDelta(double value) {
        return setOption(TrainingKeys.EARLY_STOPPING_MIN_DELTA, value);
    }

    /** Sets how gradients travel between workers, {@code none} or {@code bf16}. */
    public E setGradientCompression(String value) {
        return setOption(TrainingKeys.GRADIENT_COMPRESSION, value);
    }

    /** Sets the seed. */
    public E setSeed(long value) {
        return setOption(TrainingKeys.SEED, value);
    }

    /** Sets whether samples are reshuffled every epoch. */
    public E setShuffle(boolean value) {
        return setOption(TrainingKeys.SHUFFLE, value);
    }

    /** Sets the PyTorch threads per worker; 0 uses the CPUs Spark gives each task. */
    public E setThreadsPerWorker(int value) {
        return setOption(TrainingKeys.THREADS_PER_WORKER, value);
    }

    /** Sets the GPUs per worker; the cluster's executors must offer them (see the README's GPU section). */
    public E setGpusPerWorker(int value) {
        return setOption(TrainingKeys.GPUS_PER_WORKER, value);
    }

    /** Sets the bytes of direct memory each worker holds its shard in; the rest spills to local disk. */
    public E setShardMemoryBudget(long value) {
        return setOption(TrainingKeys.SHARD_MEMORY_BUDGET, value);
    }

    /** Sets whether a worker that was given GPUs but finds no CUDA may train on the CPU. */
    public E setGpuFallbackToCpu(boolean value) {
        return setOption(TrainingKeys.GPU_FALLBACK_TO_CPU, value);
    }

    /** Sets how long a worker waits on a silent peer, as in a config file ({@code "30s"}, {@code "2m"}). */
    public E setCollectiveTimeout(String value) {
        return setOption(TrainingKeys.COLLECTIVE_TIMEOUT, value);
    }

    /** Sets how long a worker waits at the start-up rendezvous for the others, as in a config file. */
    public E setRendezvousTimeout(String value) {
        return setOption(TrainingKeys.RENDEZVOUS_TIMEOUT, value);
    }

    /** Sets how long one checkpoint write or store call may take, as in a config file. */
    public E setCheckpointTimeout(String value) {
        return setOption(TrainingKeys.CHECKPOINT_TIMEOUT, value);
    }

    /** Sets how long to wait for enough task slots, as in a config file. */
    public E setSlotWaitTimeout(String value) {
        return setOption(TrainingKeys.SLOT_WAIT_TIMEOUT, value);
    }

    /** Sets the checkpoint directory; a later fit with the same settings resumes from it. */
    public E setCheckpointDir(String value) {
        return setOption(TrainingKeys.CHECKPOINT_DIR, value);
    }

    /** Sets the steps between checkpoints. */
    public E setCheckpointEverySteps(long value) {
        return setOption(TrainingKeys.CHECKPOINT_EVERY_STEPS, value);
    }

    /**
     * Sets the time between checkpoints, as in a config file; {@code "0s"} checkpoints only by
     * steps, {@code "auto"} at Daly's interval (with {@link #setMtbf}).
     */
    public E setCheckpointInterval(String value) {
        return setOption(TrainingKeys.CHECKPOINT_INTERVAL, value);
    }

    /** Sets one worker's mean time between failures, as in a config file, for {@code checkpoint_interval = auto}. */
    public E setMtbf(String value) {
        return setOption(TrainingKeys.MTBF, value);
    }

    /** Sets how many checkpoints are kept. */
    public E setKeepCheckpoints(int value) {
        return setOption(TrainingKeys.KEEP_CHECKPOINTS, value);
    }

    /** Sets how long the lease on the checkpoint directory stays valid without a heartbeat, as in a config file. */
    public E setLeaseTimeout(String value) {
        return setOption(TrainingKeys.LEASE_TIMEOUT, value);
    }

    /** Sets whether a checkpoint of this job trained on other data may be resumed from instead of refused. */
    public E setResumeWithOtherData(boolean value) {
        return setOption(TrainingKeys.RESUME_WITH_OTHER_DATA, value);
    }

    /** Sets where the initial parameter values come from (fine-tuning): a .params file, run directory or TorchScript file. */
    public E setInitFrom(String value) {
        return setOption(TrainingKeys.INIT_FROM, value);
    }

    /** Sets the name prefixes of parameters that are not trained. */
    public E setFreeze(String[] value) {
        return setOption(TrainingKeys.FREEZE, value);
    }

    /** Sets how many times the training stage is launched before giving up. */
    public E setMaxAttempts(int value) {
        return setOption(TrainingKeys.MAX_ATTEMPTS, value);
    }

    /** Sets the steps between progress reports to the listener; 0 reports only per epoch. */
    public E setLogEverySteps(int value) {
        return setOption(TrainingKeys.LOG_EVERY_STEPS, value);
    }
}
