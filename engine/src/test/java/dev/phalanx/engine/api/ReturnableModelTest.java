package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.types.Shape;
import dev.phalanx.engine.model.ParameterLayout;
import dev.phalanx.models.InputSpec;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * The preflight that refuses, before training, a model whose parameters rank 0 could not return to
 * the driver without checkpoints, and lets it train with them (the driver then reads the final
 * checkpoint). Layouts of the sizes in question, not models: building one would take gigabytes.
 */
class ReturnableModelTest {

    private static final ParameterLayout QUARTER_BILLION = layout(300_000_000L);
    private static final ParameterLayout HALF_BILLION = layout(600_000_000L);

    private static ParameterLayout layout(long values) {
        return new ParameterLayout(List.of("w"), List.of(new Shape(values)));
    }

    private static TrainingOptions options() {
        return new TrainingOptions("mlp", new InputSpec(new long[] {784}, 10));
    }

    @Test
    void aModelAboveMaxResultSizeIsRefusedWithoutCheckpointsAndNamesTheWayOut() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.requireReturnable(QUARTER_BILLION, options(), new SparkConf()));
        assertEquals("model 'mlp' has 300000000 parameters (1144 MiB), more than a task may return to the driver"
                + " (spark.driver.maxResultSize = 1g); set checkpoint_dir: the workers then write the trained model"
                + " there and the driver reads it from there", e.getMessage());
        Phalanx.requireReturnable(QUARTER_BILLION, options(), new SparkConf().set("spark.driver.maxResultSize", "2g"));
        Phalanx.requireReturnable(QUARTER_BILLION, options().optCheckpointDir("/tmp/anywhere"), new SparkConf());
    }

    @Test
    void noSettingReturnsMoreThanAJavaArrayHolds() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Phalanx.requireReturnable(
                HALF_BILLION, options(), new SparkConf().set("spark.driver.maxResultSize", "0")));
        assertEquals("model 'mlp' has 600000000 parameters (2288 MiB), more than a task may return to the driver"
                + " (2 GiB (a Java array)); set checkpoint_dir: the workers then write the trained model there and the"
                + " driver reads it from there", e.getMessage());
        Phalanx.requireReturnable(HALF_BILLION, options().optCheckpointDir("/tmp/anywhere"),
                new SparkConf().set("spark.driver.maxResultSize", "0"));
    }
}
