package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.models.InputSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A worker computes with the CPUs Spark gives its task unless {@code threads_per_worker} is set.
 * Failsafe runs the tests tagged {@code task-cpus} in their own JVM (see engine/pom.xml), so this
 * test's session, with {@code spark.task.cpus = 2}, is the only one there.
 */
@Tag("task-cpus")
class TaskCpusIT {

    private static final InputSpec INPUT = new InputSpec(new long[] {20}, 4);

    @Test
    void withoutThreadsPerWorkerAWorkerUsesItsTasksCpusAndASetCountWins() {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("task-cpus")
                .config("spark.task.cpus", "2")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.barrier.sync.timeout", "300s")
                .getOrCreate();
        Logger logger = Logger.getLogger("dev.phalanx.engine.driver.BarrierTrainingTask");
        Level previous = logger.getLevel();
        List<String> lines = new ArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getMessage().contains("PyTorch intra-op thread")) {
                    synchronized (lines) {
                        lines.add(record.getMessage());
                    }
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        logger.setLevel(Level.INFO);
        logger.addHandler(handler);
        try {
            var data = SyntheticData.classification(64, 20, 4, 1);
            TrainingOptions options = new TrainingOptions("mlp", INPUT).optWorkers(1).optBatchSize(16).optEpochs(1)
                    .optLogEverySteps(0);
            assertEquals(4, Phalanx.fit(data, options).steps());
            assertEquals(4, Phalanx.fit(data, options.optThreadsPerWorker(1)).steps());
            synchronized (lines) {
                assertEquals(List.of("rank 0: 2 PyTorch intra-op threads (the task's CPUs, spark.task.cpus)",
                        "rank 0: 1 PyTorch intra-op thread (threads_per_worker)"), lines);
            }
        } finally {
            logger.removeHandler(handler);
            logger.setLevel(previous);
            spark.stop();
        }
    }
}
