package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.api.ml.PhalanxClassifier;
import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionType;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three ways to set up training — a job config, {@code TrainingOptions} and the Spark ML
 * estimator — start from the same defaults, option by option, and refuse the same bad values.
 */
class OptionDefaultsTest {

    @TempDir
    Path dir;

    @Test
    void aJobConfigTrainingOptionsAndTheEstimatorHaveTheSameDefaults() throws IOException {
        Path empty = Files.writeString(dir.resolve("job.conf"), "");
        JobConfig job = JobConfigLoader.load(empty, List.of());
        TrainingOptions options = new TrainingOptions("mlp", new InputSpec(new long[] {784}, 10));
        PhalanxClassifier classifier = new PhalanxClassifier();
        List<String> differences = new ArrayList<>();
        int estimatorParams = 0;
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            compare(differences, key, "job config", job.get(key));
            if (key.inTrainingOptions()) {
                compare(differences, key, "TrainingOptions", options.get(key));
            }
            if (key.inEstimator()) {
                estimatorParams++;
                Param<?> param = classifier.param(key);
                assertEquals(key.param(), param.name());
                Object value = classifier.getOrDefault(param);
                compare(differences, key, "PhalanxClassifier",
                        key.type() == OptionType.DURATION || key.type() == OptionType.DURATION_OR_AUTO
                                ? key.type().parse((String) value) : value);
            }
        }
        assertEquals(List.of(), differences);
        assertTrue(estimatorParams >= 25, "the estimator takes " + estimatorParams + " options");
    }

    @Test
    void theEstimatorRefusesABadValueWithTheKeysMessage() {
        PhalanxClassifier classifier = new PhalanxClassifier();
        IllegalArgumentException epochs = assertThrows(IllegalArgumentException.class, () -> classifier.setEpochs(0));
        assertEquals("epochs must be at least 1, got 0", epochs.getMessage());
        IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> classifier.setCollectiveTimeout("soon"));
        assertTrue(timeout.getMessage().startsWith("collective_timeout expected a duration such as 30s or 2m, got 'soon'"),
                timeout.getMessage());
        classifier.setCollectiveTimeout("90s").setCheckpointInterval("0s");
        assertEquals("90s", classifier.getOrDefault(classifier.collectiveTimeout()));
        classifier.setCheckpointInterval("auto").setMtbf("2000h");
        assertEquals("auto", classifier.getOrDefault(classifier.checkpointInterval()));
        IllegalArgumentException interval = assertThrows(IllegalArgumentException.class,
                () -> classifier.setCheckpointInterval("-1m"));
        assertEquals("checkpoint_interval must be auto or not negative, got -1m", interval.getMessage());
    }

    private static void compare(List<String> differences, OptionKey<?> key, String where, Object value) {
        Object expected = key.defaultValue();
        boolean same = expected instanceof int[] ints ? Arrays.equals(ints, (int[]) value)
                : expected instanceof double[] doubles ? Arrays.equals(doubles, (double[]) value)
                : expected instanceof String[] strings ? Arrays.equals(strings, (String[]) value)
                : expected.equals(value);
        if (!same) {
            differences.add(key.name() + ": " + where + " has " + value + ", the registry " + key.defaultText());
        }
    }
}
