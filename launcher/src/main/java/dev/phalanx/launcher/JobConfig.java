package dev.phalanx.launcher;

import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.collective.TlsSettings;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.Map;

/**
 * A read job config: a typed value for every key of {@link JobKeys}, and the resolved config as
 * HOCON (passwords redacted) to record in the run directory. Values are checked for their type
 * here; whether they are valid, {@link TrainingOptions#validate()} and {@link DataSource#validate}
 * say.
 *
 * @param values every key's value, of its type's Java class
 * @param modelOptions the {@code model_options} block: the model's own options by name
 * @param rendered the resolved config as HOCON, to record in the run directory
 */
public record JobConfig(Map<OptionKey<?>, Object> values, Map<String, Object> modelOptions, String rendered) {

    /** Creates the config; {@code values} must hold every key of {@link JobKeys}. */
    public JobConfig {
        values = Map.copyOf(values);
        modelOptions = Map.copyOf(modelOptions);
        for (OptionKey<?> key : JobKeys.all()) {
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("no value for key " + key.name());
            }
        }
    }

    /** Returns the value of {@code key}. */
    public <T> T get(OptionKey<T> key) {
        return key.cast(values.get(key));
    }

    /**
     * Returns the training options for a model taking {@code input}: every training option of the
     * config, not yet validated.
     */
    public TrainingOptions toOptions(InputSpec input) {
        TrainingOptions options = new TrainingOptions(model(), input);
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            if (key.inTrainingOptions()) {
                copy(key, options);
            }
        }
        return options;
    }

    private <T> void copy(OptionKey<T> key, TrainingOptions options) {
        options.set(key, get(key));
    }

    /**
     * Returns the model spec: the {@code model} key as written, or with a {@code model_options}
     * block, the spec with those options too, in the canonical text {@link ModelSpec#text()} gives
     * ({@code class:com.acme.nets.MyNet(hidden=512)}).
     *
     * @throws IllegalArgumentException for an unknown model or option, or a factory class that
     *     cannot be loaded, naming it
     */
    public String model() {
        String model = get(TrainingKeys.MODEL);
        return modelOptions.isEmpty() ? model : ModelSpec.parse(model).withOptions(modelOptions).text();
    }

    /** Returns where the training (validation and test) data comes from. */
    public DataSource data() {
        return new DataSource(get(JobKeys.DATASET), get(JobKeys.DATA_DIR), get(JobKeys.TABLE), get(JobKeys.TEST_DATA),
                get(JobKeys.VALIDATION_DATA),
                get(TrainingKeys.FEATURES_COL), get(TrainingKeys.LABEL_COL), get(TrainingKeys.SAMPLE_SHAPE),
                get(TrainingKeys.NUM_CLASSES), get(TrainingKeys.IMAGE_MEAN), get(TrainingKeys.IMAGE_STD),
                get(JobKeys.SEQUENCE_LENGTH));
    }

    /** Returns whether the loss is a regression's (one output per sample, no classes to infer). */
    public boolean regression() {
        return get(TrainingKeys.LOSS).equalsIgnoreCase("mse");
    }

    /** Returns the run directory, or empty for a new one under runs/. */
    public String runDir() {
        return get(JobKeys.RUN_DIR);
    }

    /** Returns the checkpoint directory URI, or empty for run_dir/checkpoints. */
    public String checkpointDir() {
        return get(TrainingKeys.CHECKPOINT_DIR);
    }

    /** Returns the TLS settings, or null for plain TCP. */
    public TlsSettings tls() {
        return TlsSettings.fromKeys(get(TrainingKeys.TLS_KEY_STORE), get(TrainingKeys.TLS_KEY_STORE_PASSWORD),
                get(TrainingKeys.TLS_TRUST_STORE), get(TrainingKeys.TLS_TRUST_STORE_PASSWORD),
                get(TrainingKeys.TLS_PROTOCOL));
    }

    /**
     * Returns the Spark master to use: the configured one; else the one spark-submit passed (it
     * sets the {@code spark.master} system property); else an embedded {@code local[workers]}.
     */
    public String effectiveMaster() {
        String master = get(JobKeys.MASTER);
        if (!master.isBlank()) {
            return master;
        }
        String submitted = System.getProperty("spark.master");
        return submitted != null && !submitted.isBlank() ? submitted : "local[" + get(TrainingKeys.WORKERS) + "]";
    }
}
