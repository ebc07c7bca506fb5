package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code checkpoint_interval = auto} on real Spark: with a worker MTBF of 2 s (a job MTBF of 1 s
 * at W=2) Daly's interval is 0.83 s for the 1 s pause assumed before the first checkpoint, and about
 * 0.1 s once a checkpoint of this small model has been measured; steps slowed to 20 ms make the run
 * last 2.4 s. The same run without a time-based interval writes no checkpoint before the final one.
 */
class AutoCheckpointCadenceTest {

    private static final Dataset<Row> DATA = SyntheticData.classification(16 * 120, 12, 3, 4);

    private static TrainingOptions options(Path dir) {
        return new TrainingOptions("mlp(hidden=16)", new InputSpec(new long[] {12}, 3)).optWorkers(2).optBatchSize(16)
                .optEpochs(1).optLogEverySteps(1).optCheckpointDir(dir.toUri().toString())
                .optFaultInjection(FaultInjection.slow(0, 20));
    }

    @Test
    void checkpointsComeAtDalysIntervalForTheMtbf(@TempDir Path auto, @TempDir Path off) {
        List<String> events = new ArrayList<>();
        List<Long> timed = written(options(auto).optCheckpointIntervalAuto().optMtbf(Duration.ofSeconds(2)), events);
        List<Long> none = written(options(off).optCheckpointInterval(Duration.ZERO), new ArrayList<>());
        assertTrue(events.contains("checkpoint_interval auto: 0.826 s (Daly, from a checkpoint pause of 1.00 s assumed"
                + " until one is measured and a job MTBF of 1.00 s); rank 0's log gives the interval after each"
                + " checkpoint"), events.toString());
        System.out.println("checkpoint_interval = auto, mtbf = 2s: checkpoints of steps " + timed);
        assertEquals(List.of(), none);
        assertTrue(timed.size() >= 3, "checkpoints written before the final one: " + timed);
        assertTrue(timed.get(0) >= 20, "the first waits for the assumed pause's 0.83 s: " + timed);
    }

    private static List<Long> written(TrainingOptions options, List<String> events) {
        List<Long> steps = new ArrayList<>();
        TrainedModel model = Phalanx.fit(DATA, options, new ProgressListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {}

            @Override
            public void onEvent(String message) {
                events.add(message);
            }

            @Override
            public void onStep(StepMetrics metrics) {
                for (CheckpointWrite write : metrics.checkpoints()) {
                    steps.add(write.step());
                }
            }
        });
        assertEquals(120, model.steps());
        return steps;
    }
}
