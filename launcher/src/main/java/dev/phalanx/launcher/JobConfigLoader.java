package dev.phalanx.launcher;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.phalanx.engine.collective.TlsSettings;
import dev.phalanx.engine.data.FortuneCookies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads a job config: the HOCON file, then {@code --set key=value} overrides on top, then the
 * registry's defaults below. Every problem — missing file, syntax, unknown key, wrong type — is a
 * {@link ConfigError} naming the file or key.
 */
public final class JobConfigLoader {

    private JobConfigLoader() {}

    /**
     * Loads and type-checks a config.
     *
     * @param file the HOCON job file
     * @param overrides {@code key=value} strings; values are text, converted to the key's type
     */
    public static JobConfig load(Path file, List<String> overrides) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError("config file not found: " + file);
        }
        Config fromFile;
        try {
            fromFile = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (ConfigException e) {
            throw new ConfigError("cannot parse " + file + ": " + e.getMessage());
        }
        Config config = withDatasetDirectory(applyOverrides(fromFile, overrides)).withFallback(defaults());
        try {
            config = config.resolve();
        } catch (ConfigException e) {
            throw new ConfigError(e.getMessage());
        }
        rejectUnknownKeys(config);
        return new JobConfig(
                string(config, JobKeys.MODEL),
                new DataSource(string(config, JobKeys.DATASET), string(config, JobKeys.DATA_DIR),
                        string(config, JobKeys.TABLE), string(config, JobKeys.TEST_DATA),
                        string(config, JobKeys.FEATURES_COL), string(config, JobKeys.LABEL_COL),
                        intList(config, JobKeys.SAMPLE_SHAPE), number(config, JobKeys.NUM_CLASSES).intValue(),
                        doubleList(config, JobKeys.IMAGE_MEAN), doubleList(config, JobKeys.IMAGE_STD),
                        number(config, JobKeys.SEQUENCE_LENGTH).intValue()),
                number(config, JobKeys.WORKERS).intValue(),
                number(config, JobKeys.EPOCHS).intValue(),
                number(config, JobKeys.BATCH_SIZE).intValue(),
                number(config, JobKeys.LEARNING_RATE).doubleValue(),
                string(config, JobKeys.OPTIMIZER),
                string(config, JobKeys.LOSS),
                number(config, JobKeys.MOMENTUM).doubleValue(),
                number(config, JobKeys.SEED).longValue(),
                bool(config, JobKeys.SHUFFLE),
                string(config, JobKeys.RUN_DIR),
                string(config, JobKeys.MASTER),
                number(config, JobKeys.THREADS_PER_WORKER).intValue(),
                number(config, JobKeys.GPUS_PER_WORKER).intValue(),
                bool(config, JobKeys.GPU_FALLBACK_TO_CPU),
                size(config, JobKeys.SHARD_MEMORY_BUDGET),
                duration(config, JobKeys.COLLECTIVE_TIMEOUT),
                string(config, JobKeys.GRADIENT_COMPRESSION),
                duration(config, JobKeys.SLOT_WAIT_TIMEOUT),
                string(config, JobKeys.CHECKPOINT_DIR),
                number(config, JobKeys.CHECKPOINT_EVERY_STEPS).longValue(),
                duration(config, JobKeys.CHECKPOINT_INTERVAL),
                number(config, JobKeys.KEEP_CHECKPOINTS).intValue(),
                number(config, JobKeys.MAX_ATTEMPTS).intValue(),
                string(config, JobKeys.FAULT_INJECTION),
                number(config, JobKeys.LOG_EVERY_STEPS).intValue(),
                tls(config),
                redacted(config).root().render(ConfigRenderOptions.concise().setFormatted(true).setJson(false)));
    }

    /**
     * The registry's {@code data_dir} default is Fashion-MNIST's Debian folder; with {@code dataset =
     * fortunes} and no {@code data_dir}, the fortunes package's folder is meant instead.
     */
    private static Config withDatasetDirectory(Config user) {
        String dataset = JobKeys.DATASET.name();
        String dataDir = JobKeys.DATA_DIR.name();
        if (user.hasPath(dataDir) || !user.hasPath(dataset)
                || user.getValue(dataset).valueType() != ConfigValueType.STRING
                || !user.getString(dataset).equals("fortunes")) {
            return user;
        }
        return user.withValue(dataDir, ConfigValueFactory.fromAnyRef(FortuneCookies.DEBIAN_DIR));
    }

    private static TlsSettings tls(Config config) {
        String keyStore = string(config, JobKeys.TLS_KEY_STORE);
        if (keyStore.isBlank()) {
            return null;
        }
        String keyPassword = string(config, JobKeys.TLS_KEY_STORE_PASSWORD);
        String trustStore = string(config, JobKeys.TLS_TRUST_STORE);
        String trustPassword = string(config, JobKeys.TLS_TRUST_STORE_PASSWORD);
        return new TlsSettings(keyStore, keyPassword, trustStore.isBlank() ? keyStore : trustStore,
                trustPassword.isBlank() ? keyPassword : trustPassword, string(config, JobKeys.TLS_PROTOCOL));
    }

    /** Returns the config with every password replaced, for writing to the run directory. */
    private static Config redacted(Config config) {
        Config result = config;
        for (ConfigKey key : List.of(JobKeys.TLS_KEY_STORE_PASSWORD, JobKeys.TLS_TRUST_STORE_PASSWORD)) {
            if (!string(config, key).isBlank()) {
                result = result.withValue(key.name(), ConfigValueFactory.fromAnyRef("<redacted>"));
            }
        }
        return result;
    }

    private static Config applyOverrides(Config config, List<String> overrides) {
        for (String override : overrides) {
            int eq = override.indexOf('=');
            if (eq <= 0) {
                throw new ConfigError("--set expects key=value, got '" + override + "'");
            }
            String key = override.substring(0, eq).trim();
            String value = override.substring(eq + 1);
            checkKnown(key);
            // Values stay text: Typesafe converts text to the requested type when read, and a path
            // such as hdfs://nn/x must not be parsed as HOCON (where // starts a comment).
            config = config.withValue(key, ConfigValueFactory.fromAnyRef(value, "--set " + key));
        }
        return config;
    }

    private static Config defaults() {
        StringBuilder text = new StringBuilder();
        for (ConfigKey key : JobKeys.all()) {
            text.append(key.name()).append(" = ").append(key.defaultValue()).append('\n');
        }
        return ConfigFactory.parseString(text.toString(), ConfigParseOptions.defaults().setOriginDescription("defaults"));
    }

    private static void rejectUnknownKeys(Config config) {
        for (Map.Entry<String, ?> entry : config.entrySet()) {
            checkKnown(entry.getKey());
        }
    }

    private static void checkKnown(String key) {
        if (JobKeys.find(key) == null) {
            throw new ConfigError("unknown key '" + key + "'; did you mean '" + JobKeys.nearest(key) + "'?");
        }
    }

    /**
     * Returns the value of a known key in one form per type, so that the same setting written two
     * ways (a number or the text {@code --set} gives, {@code 300s} or {@code 5m}) compares equal.
     */
    static String canonical(Config config, ConfigKey key) {
        return switch (key.type()) {
            case STRING -> string(config, key);
            case INT, LONG -> Long.toString(number(config, key).longValue());
            case DOUBLE -> Double.toString(number(config, key).doubleValue());
            case BOOLEAN -> Boolean.toString(bool(config, key));
            case DURATION -> duration(config, key).toString();
            case SIZE -> Long.toString(size(config, key));
            case INT_LIST, DOUBLE_LIST -> Arrays.toString(doubleList(config, key));
        };
    }

    private static String string(Config config, ConfigKey key) {
        return read(config, key, Config::getString);
    }

    private static boolean bool(Config config, ConfigKey key) {
        return read(config, key, Config::getBoolean);
    }

    /** Reads a list of whole numbers, written as a HOCON list or (as --set gives it) "1,28,28" text. */
    private static int[] intList(Config config, ConfigKey key) {
        return Arrays.stream(doubleList(config, key)).mapToInt(value -> {
            if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
                throw wrongType(config, key);
            }
            return (int) value;
        }).toArray();
    }

    /** Reads a list of numbers, written as a HOCON list or (as --set gives it) "0.5,0.5" text. */
    private static double[] doubleList(Config config, ConfigKey key) {
        if (config.getValue(key.name()).valueType() == ConfigValueType.LIST) {
            return read(config, key, Config::getDoubleList).stream().mapToDouble(Double::doubleValue).toArray();
        }
        String text = string(config, key).replace("[", "").replace("]", "").trim();
        if (text.isEmpty()) {
            return new double[0];
        }
        try {
            return Arrays.stream(text.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
        } catch (NumberFormatException e) {
            throw wrongType(config, key);
        }
    }

    private static Duration duration(Config config, ConfigKey key) {
        return read(config, key, Config::getDuration);
    }

    private static long size(Config config, ConfigKey key) {
        return read(config, key, Config::getBytes);
    }

    private static Number number(Config config, ConfigKey key) {
        Number value = read(config, key, Config::getNumber);
        boolean whole = key.type() == ConfigKey.Type.INT || key.type() == ConfigKey.Type.LONG;
        if (whole && value.doubleValue() != Math.rint(value.doubleValue())) {
            throw new ConfigError("key '" + key.name() + "': expected " + key.type().expected() + ", got "
                    + value + " (" + origin(config, key) + ")");
        }
        if (key.type() == ConfigKey.Type.INT
                && (value.longValue() > Integer.MAX_VALUE || value.longValue() < Integer.MIN_VALUE)) {
            throw new ConfigError("key '" + key.name() + "': " + value + " is out of range (" + origin(config, key) + ")");
        }
        return value;
    }

    /** Reads a key with a typed getter, turning Typesafe's type errors into one naming the key. */
    private static <T> T read(Config config, ConfigKey key, BiFunction<Config, String, T> getter) {
        try {
            return getter.apply(config, key.name());
        } catch (ConfigException e) {
            throw wrongType(config, key);
        }
    }

    private static ConfigError wrongType(Config config, ConfigKey key) {
        String got = config.hasPath(key.name())
                ? config.getValue(key.name()).render(ConfigRenderOptions.concise())
                : "nothing";
        return new ConfigError("key '" + key.name() + "': expected " + key.type().expected() + ", got " + got
                + " (" + origin(config, key) + ")");
    }

    private static String origin(Config config, ConfigKey key) {
        return config.hasPath(key.name()) ? config.getValue(key.name()).origin().description() : "not set";
    }
}
