package dev.phalanx.launcher;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The registry of every job-config key with its type, default and description: the one place the
 * defaults, the docs and the "unknown key, did you mean" suggestions come from.
 */
public final class JobKeys {

    // Declared before the keys: static fields initialise in textual order and key() fills this map.
    private static final Map<String, ConfigKey> BY_NAME = new LinkedHashMap<>();

    /** Model spec from the model catalog. */
    public static final ConfigKey MODEL = key("model", ConfigKey.Type.STRING, "mlp",
            "model to train: mlp, cnn, resnet or transformer, with options as name(option=value, ...)");
    /** Data set to train on. */
    public static final ConfigKey DATASET = key("dataset", ConfigKey.Type.STRING, "fashion-mnist",
            "where the data comes from: fashion-mnist, fortunes (text), parquet (files at data_dir) or table");
    /** Where the data set's files are. */
    public static final ConfigKey DATA_DIR = key("data_dir", ConfigKey.Type.STRING,
            "/usr/share/datasets/fashion-mnist", "fashion-mnist or fortunes: directory of the Debian package's files"
                    + " (for fortunes the default is /usr/share/games/fortunes); parquet: training data, any Hadoop URI");
    /** Table name. */
    public static final ConfigKey TABLE = key("table", ConfigKey.Type.STRING, "\"\"",
            "table: the training table's name in Spark's catalog");
    /** Test data. */
    public static final ConfigKey TEST_DATA = key("test_data", ConfigKey.Type.STRING, "\"\"",
            "parquet: test data URI; table: test table name; empty = no test evaluation");
    /** Features column. */
    public static final ConfigKey FEATURES_COL = key("features_col", ConfigKey.Type.STRING, "features",
            "parquet or table: features column (numeric array or ML Vector)");
    /** Label column. */
    public static final ConfigKey LABEL_COL = key("label_col", ConfigKey.Type.STRING, "label",
            "parquet or table: label column (class indices; real numbers with loss = mse)");
    /** Sample shape. */
    public static final ConfigKey SAMPLE_SHAPE = key("sample_shape", ConfigKey.Type.INT_LIST, "[]",
            "parquet or table: shape of one sample, for example [1, 28, 28]; required there");
    /** Number of classes. */
    public static final ConfigKey NUM_CLASSES = key("num_classes", ConfigKey.Type.INT, "0",
            "parquet or table: number of classes; 0 = one more than the largest training label");
    /** Image mean. */
    public static final ConfigKey IMAGE_MEAN = key("image_mean", ConfigKey.Type.DOUBLE_LIST, "[]",
            "parquet or table with encoded images (PNG/JPEG bytes): per-channel mean after scaling to [0, 1]; [] = 0");
    /** Image standard deviation. */
    public static final ConfigKey IMAGE_STD = key("image_std", ConfigKey.Type.DOUBLE_LIST, "[]",
            "parquet or table with encoded images: per-channel standard deviation; [] = 1");
    /** Sequence length. */
    public static final ConfigKey SEQUENCE_LENGTH = key("sequence_length", ConfigKey.Type.INT, "48",
            "fortunes: token ids per sample (longer texts are cut, shorter ones padded)");
    /** World size. */
    public static final ConfigKey WORKERS = key("workers", ConfigKey.Type.INT, "2",
            "number of data-parallel workers W (one barrier task each)");
    /** Passes over the data. */
    public static final ConfigKey EPOCHS = key("epochs", ConfigKey.Type.INT, "3", "passes over the training data");
    /** Global batch. */
    public static final ConfigKey BATCH_SIZE = key("batch_size", ConfigKey.Type.INT, "128",
            "global batch size per step, split evenly over the workers");
    /** Learning rate. */
    public static final ConfigKey LEARNING_RATE = key("learning_rate", ConfigKey.Type.DOUBLE, "0.05",
            "SGD learning rate");
    /** Momentum. */
    public static final ConfigKey MOMENTUM = key("momentum", ConfigKey.Type.DOUBLE, "0.9", "SGD momentum");
    /** Optimizer. */
    public static final ConfigKey OPTIMIZER = key("optimizer", ConfigKey.Type.STRING, "sgd",
            "optimizer: sgd (with momentum) or adam");
    /** Loss. */
    public static final ConfigKey LOSS = key("loss", ConfigKey.Type.STRING, "cross_entropy",
            "what training minimises: cross_entropy (classification) or mse (regression: real labels, num_classes = 1)");
    /** Seed. */
    public static final ConfigKey SEED = key("seed", ConfigKey.Type.LONG, "42",
            "seed of parameter initialisation and shuffling");
    /** Shuffle. */
    public static final ConfigKey SHUFFLE = key("shuffle", ConfigKey.Type.BOOLEAN, "true",
            "reshuffle each worker's shard every epoch");
    /** Run directory. */
    public static final ConfigKey RUN_DIR = key("run_dir", ConfigKey.Type.STRING, "\"\"",
            "where to write summary.json; empty means a new folder under runs/ in the working directory");
    /** Spark master. */
    public static final ConfigKey MASTER = key("master", ConfigKey.Type.STRING, "\"\"",
            "Spark master URL; empty means the spark.master that spark-submit sets, else an embedded local[workers]");
    /** Threads per worker. */
    public static final ConfigKey THREADS_PER_WORKER = key("threads_per_worker", ConfigKey.Type.INT, "0",
            "PyTorch intra-op threads per worker; 0 = the CPUs Spark gives each task (spark.task.cpus)");
    /** GPUs per worker. */
    public static final ConfigKey GPUS_PER_WORKER = key("gpus_per_worker", ConfigKey.Type.INT, "0",
            "GPUs each worker trains on, requested from Spark for the training stage; 0 = CPU");
    /** CPU fallback. */
    public static final ConfigKey GPU_FALLBACK_TO_CPU = key("gpu_fallback_to_cpu", ConfigKey.Type.BOOLEAN, "false",
            "let a worker that was given GPUs but finds no CUDA train on the CPU (with a warning) instead of failing");
    /** Shard memory budget. */
    public static final ConfigKey SHARD_MEMORY_BUDGET = key("shard_memory_budget", ConfigKey.Type.SIZE, "512m",
            "direct memory (off the Java heap) each worker holds its shard in; the rest spills to the executor's"
                    + " local disk");
    /** Collective timeout. */
    public static final ConfigKey COLLECTIVE_TIMEOUT = key("collective_timeout", ConfigKey.Type.DURATION, "2m",
            "how long a worker waits on a silent peer before the job fails");
    /** Gradient compression. */
    public static final ConfigKey GRADIENT_COMPRESSION = key("gradient_compression", ConfigKey.Type.STRING, "none",
            "how gradients travel between workers: none (float32) or bf16 (bfloat16: half the bytes, relative error"
                    + " at most 2^-8 per rounding; for networks slower than the computation)");
    /** Slot wait. */
    public static final ConfigKey SLOT_WAIT_TIMEOUT = key("slot_wait_timeout", ConfigKey.Type.DURATION, "60s",
            "how long to wait for executors to offer enough task slots");

    /** Checkpoint directory. */
    public static final ConfigKey CHECKPOINT_DIR = key("checkpoint_dir", ConfigKey.Type.STRING, "\"\"",
            "where checkpoints go, any Hadoop file system URI; empty means <run_dir>/checkpoints");
    /** Step cadence. */
    public static final ConfigKey CHECKPOINT_EVERY_STEPS = key("checkpoint_every_steps", ConfigKey.Type.LONG, "0",
            "checkpoint every this many steps; 0 = only by time and at the end");
    /** Time cadence. */
    public static final ConfigKey CHECKPOINT_INTERVAL = key("checkpoint_interval", ConfigKey.Type.DURATION, "5m",
            "checkpoint when this much time has passed since the last; 0s = only by steps and at the end");
    /** Retention. */
    public static final ConfigKey KEEP_CHECKPOINTS = key("keep_checkpoints", ConfigKey.Type.INT, "3",
            "how many checkpoints to keep; older ones are deleted after a newer one commits");
    /** Attempts. */
    public static final ConfigKey MAX_ATTEMPTS = key("max_attempts", ConfigKey.Type.INT, "3",
            "how many times the training stage is launched before the job fails; each relaunch resumes");
    /** Fault injection. */
    public static final ConfigKey FAULT_INJECTION = key("fault_injection", ConfigKey.Type.STRING, "\"\"",
            "testing aid: rank:step makes that worker fail before that step in the first attempt");

    /** Step metrics cadence. */
    public static final ConfigKey LOG_EVERY_STEPS = key("log_every_steps", ConfigKey.Type.INT, "50",
            "write a line to metrics.jsonl and the console every this many steps; 0 = only per epoch");
    /** TLS key store. */
    public static final ConfigKey TLS_KEY_STORE = key("tls_key_store", ConfigKey.Type.STRING, "\"\"",
            "path of a key store on every executor; set to encrypt the workers' connections with mutual TLS");
    /** TLS key store password. */
    public static final ConfigKey TLS_KEY_STORE_PASSWORD = key("tls_key_store_password", ConfigKey.Type.STRING, "\"\"",
            "password of tls_key_store (not written to job.conf)");
    /** TLS trust store. */
    public static final ConfigKey TLS_TRUST_STORE = key("tls_trust_store", ConfigKey.Type.STRING, "\"\"",
            "path of the trust store on every executor; empty means tls_key_store");
    /** TLS trust store password. */
    public static final ConfigKey TLS_TRUST_STORE_PASSWORD = key("tls_trust_store_password", ConfigKey.Type.STRING,
            "\"\"", "password of tls_trust_store; empty means tls_key_store_password (not written to job.conf)");
    /** TLS protocol. */
    public static final ConfigKey TLS_PROTOCOL = key("tls_protocol", ConfigKey.Type.STRING, "TLSv1.3",
            "TLS protocol of the workers' connections");

    private JobKeys() {}

    private static ConfigKey key(String name, ConfigKey.Type type, String defaultValue, String description) {
        ConfigKey key = new ConfigKey(name, type, defaultValue, description);
        BY_NAME.put(name, key);
        return key;
    }

    /** Returns every key, in documentation order. */
    public static List<ConfigKey> all() {
        return List.copyOf(BY_NAME.values());
    }

    /** Returns the key called {@code name}, or null. */
    public static ConfigKey find(String name) {
        return BY_NAME.get(name);
    }

    /** Returns the known key nearest to {@code name} in edit distance. */
    public static String nearest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : BY_NAME.keySet()) {
            int distance = editDistance(name, known);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = known;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
