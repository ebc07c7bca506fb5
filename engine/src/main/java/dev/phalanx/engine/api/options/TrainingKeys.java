package dev.phalanx.engine.api.options;

import static dev.phalanx.engine.api.options.OptionKey.key;

import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.optim.LearningRateSchedule;
import dev.phalanx.engine.optim.Optimizers;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every option of a training run, declared once with its key, type, default, check and
 * description, in the way Flink's {@code ConfigOption}s are. {@link
 * dev.phalanx.engine.api.TrainingOptions} holds these, the Spark ML estimator makes its params from
 * them, and the {@code phalanx} command's job config takes them as keys (with a few of its own).
 * Adding an option here makes it a config key, a {@code TrainingOptions} value and a param at once.
 */
public final class TrainingKeys {

    /** Model spec from the model catalog. */
    public static final OptionKey<String> MODEL = key("model", OptionType.STRING, String.class, "mlp")
            .param("modelName")
            .notInTrainingOptions()
            .doc("model spec: mlp, cnn, resnet, transformer, torchscript(path=...), a family from a jar of yours, or"
                    + " class: your BlockFactory class, with options as name(option=value, ...)");
    /** Features column. */
    public static final OptionKey<String> FEATURES_COL = key("features_col", OptionType.STRING, String.class,
            "features")
            .check(OptionCheck.notBlank("must name a column"))
            .doc("features column: a numeric array, an ML Vector or encoded images (PNG/JPEG bytes)");
    /** Label column. */
    public static final OptionKey<String> LABEL_COL = key("label_col", OptionType.STRING, String.class, "label")
            .check(OptionCheck.notBlank("must name a column"))
            .doc("label column: whole-number class indices (real numbers with loss = mse)");
    /** Sample shape. */
    public static final OptionKey<int[]> SAMPLE_SHAPE = key("sample_shape", OptionType.INT_LIST, int[].class, "[]")
            .param("inputShape")
            .notInTrainingOptions()
            .check(shape -> Arrays.stream(shape).allMatch(d -> d > 0) ? null
                    : "must hold positive dimensions, got " + Arrays.toString(shape))
            .doc("shape of one sample, for example [1, 28, 28]; [] = a flat vector as long as the features");
    /** Number of classes. */
    public static final OptionKey<Integer> NUM_CLASSES = key("num_classes", OptionType.INT, Integer.class, "0")
            .notInTrainingOptions()
            .check(OptionCheck.notNegative())
            .doc("number of classes; 0 = one more than the largest training label (1 with loss = mse)");
    /** Image mean. */
    public static final OptionKey<double[]> IMAGE_MEAN = key("image_mean", OptionType.DOUBLE_LIST, double[].class,
            "[]")
            .doc("encoded images: per-channel mean subtracted after scaling pixels to [0, 1]; [] = 0");
    /** Image standard deviation. */
    public static final OptionKey<double[]> IMAGE_STD = key("image_std", OptionType.DOUBLE_LIST, double[].class, "[]")
            .doc("encoded images: per-channel standard deviation divided by after that; [] = 1");
    /** World size. */
    public static final OptionKey<Integer> WORKERS = key("workers", OptionType.INT, Integer.class, "2")
            .check(OptionCheck.atLeast(1))
            .doc("data-parallel workers W, one barrier task and one model replica each");
    /** Passes over the data. */
    public static final OptionKey<Integer> EPOCHS = key("epochs", OptionType.INT, Integer.class, "3")
            .check(OptionCheck.atLeast(1))
            .doc("passes over the training data");
    /** Global batch. */
    public static final OptionKey<Integer> BATCH_SIZE = key("batch_size", OptionType.INT, Integer.class, "128")
            .check(OptionCheck.atLeast(1))
            .doc("global batch per step, split evenly over the workers (a multiple of workers)");
    /** Learning rate. */
    public static final OptionKey<Double> LEARNING_RATE = key("learning_rate", OptionType.DOUBLE, Double.class,
            "0.05")
            .check(OptionCheck.positive())
            .doc("the optimizer's learning rate");
    /** Momentum. */
    public static final OptionKey<Double> MOMENTUM = key("momentum", OptionType.DOUBLE, Double.class, "0.9")
            .check(OptionCheck.inRange(0, 1))
            .doc("SGD momentum");
    /** Optimizer. */
    public static final OptionKey<String> OPTIMIZER = key("optimizer", OptionType.STRING, String.class, "sgd")
            .check(OptionCheck.oneOf(Optimizers.NAMES, "known optimizers"))
            .doc("sgd (with momentum, as torch.optim.SGD), adam (as torch.optim.Adam) or adamw (decoupled weight"
                    + " decay, as torch.optim.AdamW)");
    /** Weight decay. */
    public static final OptionKey<Double> WEIGHT_DECAY = key("weight_decay", OptionType.DOUBLE, Double.class, "0")
            .check(OptionCheck.notNegative())
            .doc("weight decay: an L2 term for sgd and adam, decoupled for adamw (as torch.optim)");
    /** Learning-rate schedule. */
    public static final OptionKey<String> LR_SCHEDULE = key("lr_schedule", OptionType.STRING, String.class,
            "constant")
            .check(OptionCheck.oneOf(LearningRateSchedule.KINDS, "known schedules"))
            .doc("learning rate per step after warm-up: constant, step (times lr_gamma every lr_step_size steps),"
                    + " cosine (to 0 at the last step) or one_cycle (as torch OneCycleLR, cosine, momentum not cycled:"
                    + " from learning_rate/25 up to learning_rate over warmup_steps, or 30% of the run if 0, then down"
                    + " to learning_rate/25e4 at the last step; no linear warm-up on top)");
    /** Warm-up. */
    public static final OptionKey<Long> WARMUP_STEPS = key("warmup_steps", OptionType.LONG, Long.class, "0")
            .check(OptionCheck.notNegative())
            .doc("steps over which the learning rate rises linearly from 0 before the schedule; for one_cycle, the"
                    + " steps of its own rise instead");
    /** Step schedule's period. */
    public static final OptionKey<Long> LR_STEP_SIZE = key("lr_step_size", OptionType.LONG, Long.class, "1000")
            .check(OptionCheck.atLeast(1))
            .doc("lr_schedule = step: steps between decays of the learning rate");
    /** Step schedule's factor. */
    public static final OptionKey<Double> LR_GAMMA = key("lr_gamma", OptionType.DOUBLE, Double.class, "0.1")
            .check(OptionCheck.positive())
            .doc("lr_schedule = step: the factor of each decay");
    /** Label smoothing. */
    public static final OptionKey<Double> LABEL_SMOOTHING = key("label_smoothing", OptionType.DOUBLE, Double.class,
            "0")
            .check(value -> value >= 0 && value < 1 ? null : "must be in [0, 1), got " + value)
            .doc("cross_entropy: the target puts 1 - label_smoothing on the label and spreads label_smoothing over"
                    + " all classes (as torch cross_entropy(label_smoothing=...)); 0 = none");
    /** Class weights. */
    public static final OptionKey<double[]> CLASS_WEIGHTS = key("class_weights", OptionType.DOUBLE_LIST, double[].class,
            "[]")
            .check(weights -> Arrays.stream(weights).allMatch(w -> w >= 0) && (weights.length == 0
                    || Arrays.stream(weights).anyMatch(w -> w > 0)) ? null
                    : "must hold one weight per class, none negative and not all 0, got " + Arrays.toString(weights))
            .doc("cross_entropy: one weight per class; each sample's loss is weighted by its class's, the batch's"
                    + " divided by the sum of its samples' weights (as torch cross_entropy(weight=...)); [] = none");
    /** Gradient accumulation. */
    public static final OptionKey<Integer> ACCUMULATION_STEPS = key("accumulation_steps", OptionType.INT,
            Integer.class, "1")
            .check(OptionCheck.atLeast(1))
            .doc("micro-batches each worker computes its share of a batch in, one after another, summing the"
                    + " gradients: the same step with less memory for activations");
    /** Validation split. */
    public static final OptionKey<Double> VALIDATION_FRACTION = key("validation_fraction", OptionType.DOUBLE,
            Double.class, "0")
            .check(value -> value >= 0 && value < 1 ? null : "must be in [0, 1), got " + value)
            .doc("hold out about this fraction of the training rows for validation, chosen by a hash of each row's"
                    + " content and the seed (the same rows every run; duplicates stay together); 0 = none");
    /** Validation cadence. */
    public static final OptionKey<Integer> VALIDATE_EVERY_STEPS = key("validate_every_steps", OptionType.INT,
            Integer.class, "0")
            .check(OptionCheck.notNegative())
            .doc("evaluate the validation data every this many steps; 0 = at the end of every epoch");
    /** Top-k accuracy. */
    public static final OptionKey<Integer> TOP_K = key("top_k", OptionType.INT, Integer.class, "5")
            .check(OptionCheck.notNegative())
            .doc("classification: validation and test report top-k accuracy when there are more classes than"
                    + " this; 0 = none");
    /** Early stopping patience. */
    public static final OptionKey<Integer> EARLY_STOPPING_PATIENCE = key("early_stopping_patience", OptionType.INT,
            Integer.class, "0")
            .check(OptionCheck.notNegative())
            .doc("stop after this many validations without improvement and keep the best one's parameters as the"
                    + " model; 0 = off (needs validation data)");
    /** Early stopping metric. */
    public static final OptionKey<String> EARLY_STOPPING_METRIC = key("early_stopping_metric", OptionType.STRING,
            String.class, "loss")
            .check(OptionCheck.oneOf(Stream.concat(Evaluation.CLASSIFICATION_METRICS.stream(),
                    Evaluation.REGRESSION_METRICS.stream()).distinct().toList(), "validation metrics"))
            .doc("the validation metric early stopping watches: loss, accuracy, top_k_accuracy, macro_f1,"
                    + " weighted_f1 (classification), mse, rmse, mae, r2 (regression)");
    /** Early stopping threshold. */
    public static final OptionKey<Double> EARLY_STOPPING_MIN_DELTA = key("early_stopping_min_delta",
            OptionType.DOUBLE, Double.class, "0")
            .check(OptionCheck.notNegative())
            .doc("the least change of early_stopping_metric that counts as an improvement");
    /** Gradient clipping. */
    public static final OptionKey<Double> CLIP_GRAD_NORM = key("clip_grad_norm", OptionType.DOUBLE, Double.class, "0")
            .check(OptionCheck.notNegative())
            .doc("clip the averaged gradients to this global L2 norm (as torch.nn.utils.clip_grad_norm_); 0 = off");
    /** Loss. */
    public static final OptionKey<String> LOSS = key("loss", OptionType.STRING, String.class, "cross_entropy")
            .check(OptionCheck.oneOf(Arrays.stream(Objective.values()).map(Objective::key).toList(), "known losses"))
            .notInEstimator()
            .doc("what training minimises: cross_entropy (classification) or mse (regression: real labels,"
                    + " num_classes = 1)");
    /** Seed. */
    public static final OptionKey<Long> SEED = key("seed", OptionType.LONG, Long.class, "42")
            .doc("seed of parameter initialisation and shuffling; same seed, same result");
    /** Shuffle. */
    public static final OptionKey<Boolean> SHUFFLE = key("shuffle", OptionType.BOOLEAN, Boolean.class, "true")
            .doc("reshuffle each worker's shard every epoch");
    /** Threads per worker. */
    public static final OptionKey<Integer> THREADS_PER_WORKER = key("threads_per_worker", OptionType.INT,
            Integer.class, "0")
            .check(value -> value >= 0 ? null
                    : "must be 0 (the task's CPUs) or a positive number of threads, got " + value)
            .doc("PyTorch intra-op threads per worker; 0 = the CPUs Spark gives each task (spark.task.cpus)");
    /** GPUs per worker. */
    public static final OptionKey<Integer> GPUS_PER_WORKER = key("gpus_per_worker", OptionType.INT, Integer.class,
            "0")
            .check(OptionCheck.notNegative())
            .doc("GPUs each worker trains on, requested from Spark for the training stage only; 0 = CPU");
    /** CPU fallback. */
    public static final OptionKey<Boolean> GPU_FALLBACK_TO_CPU = key("gpu_fallback_to_cpu", OptionType.BOOLEAN,
            Boolean.class, "false")
            .doc("let a worker that was given GPUs but finds no CUDA train on the CPU, with a warning, instead of"
                    + " failing");
    /** Device-resident step on the CPU. */
    public static final OptionKey<Boolean> DEVICE_RESIDENT_ON_CPU = key("device_resident_on_cpu", OptionType.BOOLEAN,
            Boolean.class, "false")
            .notInEstimator()
            .doc("testing aid: a CPU worker trains as a GPU worker does, its parameters, gradients and optimizer"
                    + " state in PyTorch's memory and every host-device copy made; slower than the default");
    /** Shard memory budget. */
    public static final OptionKey<Long> SHARD_MEMORY_BUDGET = key("shard_memory_budget", OptionType.SIZE,
            Long.class, "512m")
            .check(OptionCheck.notNegative())
            .doc("direct memory (off the Java heap) each worker holds its shard in; the rest spills to the"
                    + " executor's local disk; 0 spills all");
    /** Collective timeout. */
    public static final OptionKey<Duration> COLLECTIVE_TIMEOUT = key("collective_timeout", OptionType.DURATION,
            Duration.class, "2m")
            .check(OptionCheck.positiveDuration())
            .doc("how long a worker waits on a silent peer before the job fails");
    /** Rendezvous timeout. */
    public static final OptionKey<Duration> RENDEZVOUS_TIMEOUT = key("rendezvous_timeout", OptionType.DURATION,
            Duration.class, "10m")
            .check(OptionCheck.positiveDuration())
            .doc("how long a worker waits at the start-up rendezvous (Spark's barrier) for the others before the job"
                    + " fails; bounds it whatever spark.barrier.sync.timeout says");
    /** Gradient compression. */
    public static final OptionKey<String> GRADIENT_COMPRESSION = key("gradient_compression", OptionType.STRING,
            String.class, "none")
            .check(value -> List.of("none", "bf16").contains(value) ? null
                    : "'" + value + "' is unknown; expected none or bf16")
            .doc("how gradients travel between workers: none (float32) or bf16 (bfloat16: half the bytes,"
                    + " relative error at most 2^-8 per rounding; for networks slower than the computation)");
    /** Optimizer sharding. */
    public static final OptionKey<Boolean> OPTIMIZER_SHARDING = key("optimizer_sharding", OptionType.BOOLEAN,
            Boolean.class, "false")
            .doc("shard the optimizer state over the workers (ZeRO stage 1): each keeps and updates 1/W of it,"
                    + " a reduce-scatter and an all-gather replace the all-reduce (the same bytes), and every worker"
                    + " writes its own slice of each checkpoint; the same parameters as without it");
    /** Slot wait. */
    public static final OptionKey<Duration> SLOT_WAIT_TIMEOUT = key("slot_wait_timeout", OptionType.DURATION,
            Duration.class, "60s")
            .check(OptionCheck.notNegativeDuration())
            .doc("how long to wait for executors to offer workers task slots");
    /** Checkpoint directory. */
    public static final OptionKey<String> CHECKPOINT_DIR = key("checkpoint_dir", OptionType.STRING, String.class,
            "\"\"")
            .doc("where checkpoints go, any Hadoop file system URI; a run whose directory holds checkpoints resumes"
                    + " from the newest valid one; empty = none (the phalanx command: <run_dir>/checkpoints)");
    /** Step cadence. */
    public static final OptionKey<Long> CHECKPOINT_EVERY_STEPS = key("checkpoint_every_steps", OptionType.LONG,
            Long.class, "0")
            .check(OptionCheck.notNegative())
            .doc("checkpoint every this many steps; 0 = only by time and at the end");
    /** Time cadence. */
    public static final OptionKey<Duration> CHECKPOINT_INTERVAL = key("checkpoint_interval",
            OptionType.DURATION_OR_AUTO, Duration.class, "5m")
            .check(OptionCheck.autoOrNotNegativeDuration())
            .doc("checkpoint when this much time has passed since the last; 0s = only by steps and at the end;"
                    + " auto = Daly's interval from mtbf and the measured checkpoint pause");
    /** Failure rate, for the automatic checkpoint interval. */
    public static final OptionKey<Duration> MTBF = key("mtbf", OptionType.DURATION, Duration.class, "0s")
            .check(OptionCheck.notNegativeDuration())
            .doc("mean time between failures of one worker (its GPUs or executor); the job fails W times as often;"
                    + " checkpoint_interval = auto needs it; 0s = unknown");
    /** Retention. */
    public static final OptionKey<Integer> KEEP_CHECKPOINTS = key("keep_checkpoints", OptionType.INT, Integer.class,
            "3")
            .check(OptionCheck.atLeast(1))
            .doc("how many checkpoints to keep; older ones are deleted only after a newer one commits, with the"
                    + " _tmp-/_invalid- leftovers of older steps");
    /** Checkpoint timeout. */
    public static final OptionKey<Duration> CHECKPOINT_TIMEOUT = key("checkpoint_timeout", OptionType.DURATION,
            Duration.class, "10m")
            .check(OptionCheck.positiveDuration())
            .doc("how long one checkpoint write, or one call on the driver to the checkpoint store (checking,"
                    + " listing) or to run_dir (the final commit), may take before the job fails naming the store;"
                    + " training does not wait for writes");
    /** Lease timeout. */
    public static final OptionKey<Duration> LEASE_TIMEOUT = key("lease_timeout", OptionType.DURATION, Duration.class,
            "2m")
            .check(value -> value.compareTo(Duration.ofSeconds(1)) >= 0 ? null
                    : "must be at least 1s, got " + OptionCheck.readable(value))
            .doc("how long a job's lease on its run_dir and checkpoint_dir stays valid without a heartbeat (it"
                    + " sends one every quarter of this); another job takes over a lease older than this");
    /** Resuming on other data. */
    public static final OptionKey<Boolean> RESUME_WITH_OTHER_DATA = key("resume_with_other_data", OptionType.BOOLEAN,
            Boolean.class, "false")
            .doc("resume from a checkpoint of this job that was trained on other data (another row count or content"
                    + " hash) instead of refusing it");
    /** Pretrained parameters. */
    public static final OptionKey<String> INIT_FROM = key("init_from", OptionType.STRING, String.class, "\"\"")
            .doc("start from these parameter values instead of random ones (fine-tuning): a DJL .params file (as"
                    + " run_dir/model holds), a Phalanx run or checkpoint directory (its newest checkpoint), or a"
                    + " TorchScript file; any Hadoop URI; every parameter's shape must match; empty = from seed");
    /** Frozen parameters. */
    public static final OptionKey<String[]> FREEZE = key("freeze", OptionType.STRING_LIST, String[].class, "[]")
            .check(prefixes -> Arrays.stream(prefixes).anyMatch(String::isBlank)
                    ? "must hold name prefixes, not empty strings" : null)
            .doc("parameters whose names start with one of these prefixes are not trained (an unknown prefix is"
                    + " refused, listing the model's parameter names)");
    /** Attempts. */
    public static final OptionKey<Integer> MAX_ATTEMPTS = key("max_attempts", OptionType.INT, Integer.class, "3")
            .check(OptionCheck.atLeast(1))
            .doc("how many times the training stage is launched before the job fails; each relaunch resumes");
    /** Fault injection. */
    public static final OptionKey<String> FAULT_INJECTION = key("fault_injection", OptionType.STRING, String.class,
            "\"\"")
            .check(TrainingKeys::faultInjectionProblem)
            .notInEstimator()
            .doc("testing aid, in the first attempt only: rank:step makes that worker fail before that step;"
                    + " rank:rendezvous makes it stall before the rendezvous; rank:slow:milliseconds makes it sleep"
                    + " that long before every step (a straggler)");
    /** Step metrics cadence. */
    public static final OptionKey<Integer> LOG_EVERY_STEPS = key("log_every_steps", OptionType.INT, Integer.class,
            "50")
            .check(OptionCheck.notNegative())
            .doc("report progress every this many steps; 0 = only per epoch");
    /** TLS key store. */
    public static final OptionKey<String> TLS_KEY_STORE = key("tls_key_store", OptionType.STRING, String.class,
            "\"\"")
            .notInEstimator()
            .doc("path of a key store on every executor; set to encrypt the workers' connections with mutual TLS");
    /** TLS key store password. */
    public static final OptionKey<String> TLS_KEY_STORE_PASSWORD = key("tls_key_store_password", OptionType.STRING,
            String.class, "\"\"")
            .secret()
            .doc("password of tls_key_store (not written to job.conf)");
    /** TLS trust store. */
    public static final OptionKey<String> TLS_TRUST_STORE = key("tls_trust_store", OptionType.STRING, String.class,
            "\"\"")
            .notInEstimator()
            .doc("path of the trust store on every executor; empty means tls_key_store");
    /** TLS trust store password. */
    public static final OptionKey<String> TLS_TRUST_STORE_PASSWORD = key("tls_trust_store_password",
            OptionType.STRING, String.class, "\"\"")
            .secret()
            .doc("password of tls_trust_store; empty means tls_key_store_password (not written to job.conf)");
    /** TLS protocol. */
    public static final OptionKey<String> TLS_PROTOCOL = key("tls_protocol", OptionType.STRING, String.class,
            "TLSv1.3")
            .notInEstimator()
            .doc("TLS protocol of the workers' connections");

    /** Every training option, in documentation order. */
    public static final OptionRegistry REGISTRY = OptionRegistry.of(List.of(MODEL, FEATURES_COL, LABEL_COL,
            SAMPLE_SHAPE, NUM_CLASSES, IMAGE_MEAN, IMAGE_STD, WORKERS, EPOCHS, BATCH_SIZE, LEARNING_RATE, MOMENTUM,
            OPTIMIZER, WEIGHT_DECAY, LR_SCHEDULE, WARMUP_STEPS, LR_STEP_SIZE, LR_GAMMA, CLIP_GRAD_NORM, LOSS,
            LABEL_SMOOTHING, CLASS_WEIGHTS, ACCUMULATION_STEPS,
            VALIDATION_FRACTION, VALIDATE_EVERY_STEPS, TOP_K, EARLY_STOPPING_PATIENCE, EARLY_STOPPING_METRIC,
            EARLY_STOPPING_MIN_DELTA, SEED, SHUFFLE, THREADS_PER_WORKER, GPUS_PER_WORKER, GPU_FALLBACK_TO_CPU,
            DEVICE_RESIDENT_ON_CPU,
            SHARD_MEMORY_BUDGET, COLLECTIVE_TIMEOUT, RENDEZVOUS_TIMEOUT, GRADIENT_COMPRESSION, OPTIMIZER_SHARDING, SLOT_WAIT_TIMEOUT,
            CHECKPOINT_DIR, CHECKPOINT_EVERY_STEPS, CHECKPOINT_INTERVAL, MTBF, KEEP_CHECKPOINTS, CHECKPOINT_TIMEOUT,
            LEASE_TIMEOUT, RESUME_WITH_OTHER_DATA, INIT_FROM, FREEZE, MAX_ATTEMPTS, FAULT_INJECTION, LOG_EVERY_STEPS,
            TLS_KEY_STORE, TLS_KEY_STORE_PASSWORD, TLS_TRUST_STORE, TLS_TRUST_STORE_PASSWORD, TLS_PROTOCOL));

    private TrainingKeys() {}

    private static String faultInjectionProblem(String text) {
        if (text.isBlank()) {
            return null;
        }
        try {
            FaultInjection.parse(text);
            return null;
        } catch (IllegalArgumentException e) {
            return "must look like rank:step, rank:rendezvous or rank:slow:milliseconds, got '" + text + "'";
        }
    }
}
