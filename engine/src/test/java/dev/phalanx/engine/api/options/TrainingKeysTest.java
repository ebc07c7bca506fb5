package dev.phalanx.engine.api.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.models.InputSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The registry: names, types, defaults and checks, and TrainingOptions reading from it. */
class TrainingKeysTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    @Test
    void keysAndParamNamesAreUniqueAndParamNamesAreCamelCase() {
        Set<String> params = new HashSet<>();
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            assertTrue(key.name().matches("[a-z][a-z0-9_]*"), key.name());
            assertTrue(params.add(key.param()), "param " + key.param() + " twice");
            assertTrue(key.param().matches("[a-z][A-Za-z0-9]*"), key.param());
        }
        assertEquals("batchSize", TrainingKeys.BATCH_SIZE.param());
        assertEquals("inputShape", TrainingKeys.SAMPLE_SHAPE.param(), "the estimator's existing name");
        assertEquals("modelName", TrainingKeys.MODEL.param(), "the estimator's existing name");
    }

    @Test
    void defaultsAreTypedValuesOfTheirText() {
        assertEquals(Duration.ofMinutes(2), TrainingKeys.COLLECTIVE_TIMEOUT.defaultValue());
        assertEquals(Duration.ofSeconds(60), TrainingKeys.SLOT_WAIT_TIMEOUT.defaultValue());
        assertEquals(512L << 20, TrainingKeys.SHARD_MEMORY_BUDGET.defaultValue());
        assertEquals("", TrainingKeys.CHECKPOINT_DIR.defaultValue());
        assertEquals(0, TrainingKeys.SAMPLE_SHAPE.defaultValue().length);
        assertEquals(3, TrainingKeys.EPOCHS.defaultValue());
        assertEquals(42L, TrainingKeys.SEED.defaultValue());
    }

    @Test
    void checksWordTheirProblemAfterTheKey() {
        assertEquals("epochs must be at least 1, got 0", TrainingKeys.EPOCHS.problem(0));
        assertEquals("momentum must be in [0, 1), got 1.0", TrainingKeys.MOMENTUM.problem(1.0));
        assertEquals("collective_timeout must be positive, got -5s",
                TrainingKeys.COLLECTIVE_TIMEOUT.problem(Duration.ofSeconds(-5)));
        assertEquals("optimizer 'lion' is unknown; known optimizers: sgd, adam, adamw", TrainingKeys.OPTIMIZER.problem("lion"));
        assertEquals("loss 'hinge' is unknown; known losses: cross_entropy, mse", TrainingKeys.LOSS.problem("hinge"));
        assertEquals("fault_injection must look like rank:step, rank:rendezvous or rank:slow:milliseconds, got 'x'",
                TrainingKeys.FAULT_INJECTION.problem("x"));
        assertNull(TrainingKeys.FAULT_INJECTION.problem("1:250"));
        assertNull(TrainingKeys.EPOCHS.problem(1));
    }

    @Test
    void textIsReadAsAConfigFileWouldReadIt() {
        assertEquals(Duration.ofMinutes(5), OptionType.DURATION.parse("300s"));
        assertEquals(64L << 20, OptionType.SIZE.parse("64m"));
        assertEquals(List.of(1, 28, 28), toList((int[]) OptionType.INT_LIST.parse("1,28,28")));
        assertEquals(List.of(1, 28, 28), toList((int[]) OptionType.INT_LIST.parse("[1, 28, 28]")));
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> OptionType.INT.parse("1.5"));
        assertEquals("expected a whole number, got '1.5'", fraction.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OptionType.DURATION.parse("soon"));
        assertEquals(OptionType.AUTO, OptionType.DURATION_OR_AUTO.parse("auto"));
        assertEquals(OptionType.AUTO, OptionType.DURATION_OR_AUTO.parse(" AUTO "));
        assertEquals(Duration.ofSeconds(90), OptionType.DURATION_OR_AUTO.parse("90s"));
        assertThrows(IllegalArgumentException.class, () -> OptionType.DURATION.parse("auto"));
        assertThrows(IllegalArgumentException.class, () -> OptionType.DURATION_OR_AUTO.parse("automatic"));
    }

    @Test
    void anAutomaticCheckpointIntervalNeedsAnMtbf() {
        assertNull(TrainingKeys.CHECKPOINT_INTERVAL.problem(OptionType.AUTO));
        assertEquals("checkpoint_interval must be auto or not negative, got -2s",
                TrainingKeys.CHECKPOINT_INTERVAL.problem(Duration.ofSeconds(-2)));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new TrainingOptions("mlp", IMAGES).optCheckpointIntervalAuto().validate());
        assertEquals("checkpoint_interval = auto needs mtbf, one worker's mean time between failures (for example"
                + " mtbf = 2000h)", missing.getMessage());
        TrainingOptions auto = new TrainingOptions("mlp", IMAGES).optCheckpointIntervalAuto()
                .optMtbf(Duration.ofHours(2000)).validate();
        assertTrue(auto.checkpointIntervalAuto());
        assertFalse(new TrainingOptions("mlp", IMAGES).checkpointIntervalAuto());
    }

    @Test
    void trainingOptionsStartAtTheRegistrysDefaultsAndCheckWithItsChecks() {
        TrainingOptions options = new TrainingOptions("mlp", IMAGES);
        for (OptionKey<?> key : TrainingKeys.REGISTRY.all()) {
            if (key.inTrainingOptions()) {
                assertEquals(key.defaultValue(), options.get(key), key.name());
            }
        }
        assertEquals(3, options.epochs());
        assertEquals(128, options.batchSize());
        assertEquals(42, options.seed());
        assertEquals(Duration.ofMinutes(5), options.checkpointInterval());
        options.validate();
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> new TrainingOptions("mlp", IMAGES).optKeepCheckpoints(0).validate());
        assertEquals("keep_checkpoints must be at least 1, got 0", zero.getMessage());
        IllegalArgumentException notHeld = assertThrows(IllegalArgumentException.class,
                () -> options.set(TrainingKeys.SAMPLE_SHAPE, new int[] {1}));
        assertEquals("sample_shape is not a training option", notHeld.getMessage());
        assertThrows(IllegalArgumentException.class, () -> options.set(TrainingKeys.EPOCHS, null));
    }

    @Test
    void setByKeyIsTheSameAsTheNamedSetter() {
        TrainingOptions byKey = new TrainingOptions("mlp", IMAGES).set(TrainingKeys.LEARNING_RATE, 0.2)
                .set(TrainingKeys.CHECKPOINT_INTERVAL, Duration.ZERO);
        assertEquals(0.2, byKey.learningRate());
        assertEquals(Duration.ZERO, byKey.checkpointInterval());
    }

    private static List<Integer> toList(int[] values) {
        return Arrays.stream(values).boxed().toList();
    }
}
