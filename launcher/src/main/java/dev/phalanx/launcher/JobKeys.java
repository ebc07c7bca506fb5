package dev.phalanx.launcher;

import static dev.phalanx.engine.api.options.OptionKey.key;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionRegistry;
import dev.phalanx.engine.api.options.OptionType;
import dev.phalanx.engine.api.options.TrainingKeys;
import java.util.List;

/**
 * The keys of a job config: every training option of {@link TrainingKeys}, plus the {@code phalanx}
 * command's own — where the data comes from and where the run goes. The one place the defaults,
 * the README's key table and the "unknown key, did you mean" suggestions come from.
 */
public final class JobKeys {

    /** Data set to train on. */
    public static final OptionKey<String> DATASET = key("dataset", OptionType.STRING, String.class, "fashion-mnist")
            .jobConfigOnly()
            .doc("where the data comes from: fashion-mnist, fortunes (text), parquet (files at data_dir) or table");
    /** Where the data set's files are. */
    public static final OptionKey<String> DATA_DIR = key("data_dir", OptionType.STRING, String.class,
            "/usr/share/datasets/fashion-mnist")
            .jobConfigOnly()
            .doc("fashion-mnist or fortunes: directory of the Debian package's files (for fortunes the default is"
                    + " /usr/share/games/fortunes); parquet: training data, any Hadoop URI");
    /** Table name. */
    public static final OptionKey<String> TABLE = key("table", OptionType.STRING, String.class, "\"\"")
            .jobConfigOnly()
            .doc("table: the training table's name in Spark's catalog");
    /** Test data. */
    public static final OptionKey<String> TEST_DATA = key("test_data", OptionType.STRING, String.class, "\"\"")
            .jobConfigOnly()
            .doc("parquet: test data URI; table: test table name; empty = no test evaluation");
    /** Validation data. */
    public static final OptionKey<String> VALIDATION_DATA = key("validation_data", OptionType.STRING, String.class,
            "\"\"")
            .jobConfigOnly()
            .doc("parquet: validation data URI; table: validation table name; evaluated on the workers every epoch"
                    + " (or validate_every_steps); empty = none, or validation_fraction");
    /** Sequence length. */
    public static final OptionKey<Integer> SEQUENCE_LENGTH = key("sequence_length", OptionType.INT, Integer.class,
            "48")
            .jobConfigOnly()
            .doc("fortunes: token ids per sample (longer texts are cut, shorter ones padded)");
    /** Run directory. */
    public static final OptionKey<String> RUN_DIR = key("run_dir", OptionType.STRING, String.class, "\"\"")
            .jobConfigOnly()
            .doc("where results go, any Hadoop URI or local path; empty means a new folder runs/<model>-<time>");
    /** Spark master. */
    public static final OptionKey<String> MASTER = key("master", OptionType.STRING, String.class, "\"\"")
            .jobConfigOnly()
            .doc("Spark master URL; empty means the spark.master that spark-submit sets, else an embedded"
                    + " local[workers]");

    /** Every key of a job config: the training options, then the command's own. */
    public static final OptionRegistry REGISTRY = TrainingKeys.REGISTRY.with(
            List.of(DATASET, DATA_DIR, TABLE, TEST_DATA, VALIDATION_DATA, SEQUENCE_LENGTH, RUN_DIR, MASTER));

    private JobKeys() {}

    /** Returns every key. */
    public static List<OptionKey<?>> all() {
        return REGISTRY.all();
    }

    /** Returns the key called {@code name}, or null. */
    public static OptionKey<?> find(String name) {
        return REGISTRY.find(name);
    }

    /** Returns the known key nearest to {@code name} in edit distance. */
    public static String nearest(String name) {
        return REGISTRY.nearest(name);
    }
}
