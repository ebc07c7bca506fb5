package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.DirectMemoryExhaustedException;
import dev.phalanx.models.InputSpec;
import java.lang.management.ManagementFactory;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker that runs out of direct memory fails the job with a clear error instead of ending the
 * JVM (Spark ends an executor, in local mode the application, on an {@link OutOfMemoryError}).
 * Failsafe runs the tests tagged {@code small-direct-memory} in their own JVM with
 * {@code -XX:MaxDirectMemorySize=64m} (see engine/pom.xml); in local[3] that limit is the
 * executor's. Each worker of {@code mlp(hidden=4096)} needs its 11.6 M parameters twice (values and
 * gradients, 93 MB), more than the limit.
 */
@Tag("small-direct-memory")
class DirectMemoryExhaustionIT {

    private static final InputSpec INPUT = new InputSpec(new long[] {784}, 10);
    private static final Dataset<Row> DATA = SyntheticData.classification(512, 784, 10, 3);

    @Test
    void aWorkerOutOfDirectMemoryFailsTheJobWithTheSettingsToChangeAndTheJvmTrainsOn() {
        assertTrue(ManagementFactory.getRuntimeMXBean().getInputArguments().contains("-XX:MaxDirectMemorySize=64m"),
                "run with -XX:MaxDirectMemorySize=64m as engine/pom.xml does");
        TrainingOptions tooLarge = new TrainingOptions("mlp(hidden=4096)", INPUT).optWorkers(2).optBatchSize(64)
                .optEpochs(1).optLogEverySteps(0).optMaxAttempts(2);
        DirectMemoryExhaustedException exhausted = assertThrows(DirectMemoryExhaustedException.class,
                () -> Phalanx.fit(DATA, tooLarge));
        String message = exhausted.getMessage();
        assertTrue(message.matches("rank [01] ran out of direct memory \\(Cannot reserve \\d+ bytes of direct buffer"
                + " memory.*"), message);
        assertTrue(message.contains("lower shard_memory_budget") && message.contains("-XX:MaxDirectMemorySize"),
                message);

        // The JVM lives on, and with the first job's memory freed a model that fits trains.
        TrainedModel small = Phalanx.fit(DATA, new TrainingOptions("mlp(hidden=32)", INPUT).optWorkers(2)
                .optBatchSize(64).optEpochs(1).optLogEverySteps(0));
        assertEquals(8, small.steps());
    }
}
