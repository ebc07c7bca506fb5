package dev.phalanx.launcher;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.data.FortuneCookies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a job config: the HOCON file, then {@code --set key=value} overrides on top, then the
 * registry's defaults below. Every problem — missing file, syntax, unknown key, wrong type — is a
 * {@link ConfigError} naming the file or key.
 */
public final class JobConfigLoader {

    /** The block of the model's own options, {@code model_options { hidden = 512 }}. */
    static final String MODEL_OPTIONS = "model_options";

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
        Map<String, Object> modelOptions = modelOptions(config);
        Config rendered = config;
        config = config.withoutPath(MODEL_OPTIONS);
        rejectUnknownKeys(config);
        Map<OptionKey<?>, Object> values = new HashMap<>();
        for (OptionKey<?> key : JobKeys.all()) {
            values.put(key, read(config, key));
        }
        return new JobConfig(values, modelOptions,
                redacted(rendered).root().render(ConfigRenderOptions.concise().setFormatted(true).setJson(false)));
    }

    /**
     * Reads the {@code model_options} block: the model's options as numbers, booleans or text (checked
     * against the model's declared options later, by {@link dev.phalanx.models.ModelSpec#withOptions}).
     */
    private static Map<String, Object> modelOptions(Config config) {
        if (!config.hasPath(MODEL_OPTIONS)) {
            return Map.of();
        }
        if (config.getValue(MODEL_OPTIONS).valueType() != ConfigValueType.OBJECT) {
            throw new ConfigError("key '" + MODEL_OPTIONS + "': expected a block of option = value, got "
                    + config.getValue(MODEL_OPTIONS).render(ConfigRenderOptions.concise()) + " ("
                    + config.getValue(MODEL_OPTIONS).origin().description() + ")");
        }
        Map<String, Object> options = new TreeMap<>();
        for (Map.Entry<String, ConfigValue> entry : config.getConfig(MODEL_OPTIONS).entrySet()) {
            ConfigValue value = entry.getValue();
            if (value.valueType() != ConfigValueType.NUMBER && value.valueType() != ConfigValueType.BOOLEAN
                    && value.valueType() != ConfigValueType.STRING) {
                throw new ConfigError("key '" + MODEL_OPTIONS + "." + entry.getKey() + "': expected a number, true or"
                        + " false, or text, got " + value.render(ConfigRenderOptions.concise()) + " ("
                        + value.origin().description() + ")");
            }
            options.put(entry.getKey(), value.unwrapped());
        }
        return options;
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

    /** Returns the config with every password replaced, for writing to the run directory. */
    private static Config redacted(Config config) {
        Config result = config;
        for (OptionKey<?> key : JobKeys.all()) {
            if (key.secret() && !read(config, key).toString().isBlank()) {
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
            if (!key.startsWith(MODEL_OPTIONS + ".")) {
                checkKnown(key);
            }
            // Values stay text: Typesafe converts text to the requested type when read, and a path
            // such as hdfs://nn/x must not be parsed as HOCON (where // starts a comment).
            config = config.withValue(key, ConfigValueFactory.fromAnyRef(value, "--set " + key));
        }
        return config;
    }

    private static Config defaults() {
        StringBuilder text = new StringBuilder();
        for (OptionKey<?> key : JobKeys.all()) {
            text.append(key.name()).append(" = ").append(key.defaultText()).append('\n');
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
    static String canonical(Config config, OptionKey<?> key) {
        Object value = read(config, key);
        if (value instanceof int[] ints) {
            return Arrays.toString(ints);
        }
        if (value instanceof String[] strings) {
            return Arrays.toString(strings);
        }
        return value instanceof double[] doubles ? Arrays.toString(doubles) : value.toString();
    }

    /**
     * Reads a known key as its type, turning Typesafe's type errors into one naming the key, the
     * expected type and where the value came from.
     */
    private static Object read(Config config, OptionKey<?> key) {
        try {
            return key.type().read(config, key.name());
        } catch (ConfigException e) {
            throw wrongType(config, key);
        } catch (IllegalArgumentException e) {
            // A number that is not whole: named as the user wrote it, 1.5 rather than "1.5".
            throw new ConfigError("key '" + key.name() + "': expected " + key.type().expected() + ", got "
                    + config.getValue(key.name()).unwrapped() + " (" + origin(config, key) + ")");
        } catch (ArithmeticException e) {
            throw new ConfigError("key '" + key.name() + "': " + config.getValue(key.name()).unwrapped()
                    + " is out of range (" + origin(config, key) + ")");
        }
    }

    private static ConfigError wrongType(Config config, OptionKey<?> key) {
        String got = config.hasPath(key.name())
                ? config.getValue(key.name()).render(ConfigRenderOptions.concise())
                : "nothing";
        return new ConfigError("key '" + key.name() + "': expected " + key.type().expected() + ", got " + got
                + " (" + origin(config, key) + ")");
    }

    private static String origin(Config config, OptionKey<?> key) {
        return config.hasPath(key.name()) ? config.getValue(key.name()).origin().description() : "not set";
    }
}
