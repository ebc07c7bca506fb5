package dev.phalanx.launcher;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.phalanx.engine.api.options.OptionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The settings in which this command differs from the run recorded in a run directory's
 * {@code job.conf}, so that continuing or re-running a run never changes what it trains silently.
 */
final class SettingsChanges {

    private SettingsChanges() {}

    /**
     * Returns one {@code "key old -> new"} entry per setting that differs, by key; empty when the
     * two resolved configs agree. Only keys both record are compared: a key that only one of them
     * has comes from another version of Phalanx, whose default held where it was missing. {@code
     * run_dir} is not compared: it names the folder itself, perhaps spelt another way.
     *
     * @param recorded the {@code job.conf} of the run directory
     * @param now this command's resolved config, rendered the same way
     * @throws ConfigError naming {@code job.conf} when the recorded one cannot be read
     */
    static List<String> between(String recorded, String now) {
        Config earlier;
        try {
            earlier = ConfigFactory.parseString(recorded);
        } catch (ConfigException e) {
            throw new ConfigError(RunDirectory.JOB_CONF + " of the run directory cannot be read: " + e.getMessage());
        }
        Config current = ConfigFactory.parseString(now);
        TreeSet<String> keys = new TreeSet<>();
        earlier.entrySet().forEach(entry -> keys.add(entry.getKey()));
        List<String> changes = new ArrayList<>();
        for (String key : keys) {
            OptionKey<?> known = JobKeys.find(key);
            if (known == null || known == JobKeys.RUN_DIR || !current.hasPath(key)) {
                // model_options.* are compared as one block below.
                continue;
            }
            if (!same(earlier, current, known)) {
                changes.add(key + " " + render(earlier.getValue(key)) + " -> " + render(current.getValue(key)));
            }
        }
        Map<String, String> optionsBefore = modelOptions(earlier);
        Map<String, String> optionsNow = modelOptions(current);
        if (!optionsBefore.equals(optionsNow)) {
            changes.add(JobConfigLoader.MODEL_OPTIONS + " " + optionsBefore + " -> " + optionsNow);
        }
        return changes;
    }

    /** The {@code model_options} block as text values by name (written 64 or "64", the same); empty when absent. */
    private static Map<String, String> modelOptions(Config config) {
        Map<String, String> options = new TreeMap<>();
        if (config.hasPath(JobConfigLoader.MODEL_OPTIONS)
                && config.getValue(JobConfigLoader.MODEL_OPTIONS).valueType() == ConfigValueType.OBJECT) {
            config.getConfig(JobConfigLoader.MODEL_OPTIONS).entrySet()
                    .forEach(entry -> options.put(entry.getKey(), render(entry.getValue())));
        }
        return options;
    }

    private static boolean same(Config earlier, Config current, OptionKey<?> key) {
        try {
            return JobConfigLoader.canonical(earlier, key).equals(JobConfigLoader.canonical(current, key));
        } catch (ConfigError e) {
            // A recorded value this version cannot read as the key's type differs by definition.
            return false;
        }
    }

    /** A value as a person wrote it: {@code 5}, {@code 5m}, {@code [1, 28, 28]}, without quotes. */
    private static String render(ConfigValue value) {
        return String.valueOf(value.unwrapped());
    }
}
