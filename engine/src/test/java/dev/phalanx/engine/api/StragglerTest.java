package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-rank timing on real Spark (local[2]) and the TCP ring: every logged step reports where each
 * rank's time went and the slowest rank; a rank slowed on purpose ({@code fault_injection =
 * 1:slow:40}) is named as the straggler, with the delay in its data time, while the other waits for
 * it in the all-reduce.
 */
class StragglerTest {

    private static final Dataset<Row> DATA = SyntheticData.classification(16 * 20, 12, 3, 4);

    private static TrainingOptions options() {
        return new TrainingOptions("mlp(hidden=16)", new InputSpec(new long[] {12}, 3)).optWorkers(2).optBatchSize(16)
                .optEpochs(1).optLogEverySteps(5);
    }

    @Test
    void aRankSlowedOnPurposeIsNamedAsTheStraggler() {
        List<StepMetrics> steps = new ArrayList<>();
        Phalanx.fit(DATA, options().optFaultInjection(FaultInjection.slow(1, 40)), listener(steps));
        assertEquals(4, steps.size());
        for (StepMetrics step : steps) {
            RankTimings timings = step.timings();
            System.out.println("step " + step.step() + ": " + timings.describe() + "; step p50 "
                    + timings.stepP50Millis() + " ms, p99 " + timings.stepP99Millis() + " ms");
            assertTrue(timings.straggler(), "step " + step.step() + ": " + timings);
            assertEquals(1, timings.slowestRank());
            assertTrue(timings.slowestDataMillis() >= 40, "the slowed rank's data time: " + timings);
            assertTrue(timings.stepP50Millis() >= 40, "every rank's step waits for it: " + timings);
        }
    }

    @Test
    void evenRanksHaveNoStraggler() {
        List<StepMetrics> steps = new ArrayList<>();
        // Means over 10 steps, so that one step's scheduling hiccup on this 2-core machine is no straggler.
        Phalanx.fit(DATA, options().optLogEverySteps(10), listener(steps));
        assertEquals(2, steps.size());
        for (StepMetrics step : steps) {
            assertFalse(step.timings().straggler(), "step " + step.step() + ": " + step.timings());
        }
    }

    /**
     * The checkpoint writes rank 0 finished come with the next logged step: each of the steps that
     * fell due, with how long it took (the final checkpoint is written after the last report). Steps
     * slowed to 50 ms give the writes of steps 4 and 8 the time to finish before step 20 is logged.
     */
    @Test
    void finishedCheckpointWritesComeWithTheNextLoggedStep(@TempDir Path dir) {
        List<StepMetrics> steps = new ArrayList<>();
        Phalanx.fit(DATA, options().optLogEverySteps(10).optCheckpointEverySteps(4)
                .optCheckpointDir(dir.toUri().toString()).optFaultInjection(FaultInjection.slow(0, 50)),
                listener(steps));
        List<Long> written = new ArrayList<>();
        for (StepMetrics step : steps) {
            for (CheckpointWrite write : step.checkpoints()) {
                assertTrue(write.step() <= step.step() && write.seconds() > 0, step.toString());
                // The copy of the state, measured on the training thread and carried to the driver.
                assertTrue(write.pauseSeconds() > 0 && write.pauseSeconds() < 10, step.toString());
                written.add(write.step());
            }
        }
        assertFalse(written.isEmpty(), steps.toString());
        assertTrue(List.of(4L, 8L, 12L, 16L).containsAll(written), written.toString());
    }

    private static ProgressListener listener(List<StepMetrics> steps) {
        return new ProgressListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {}

            @Override
            public void onStep(StepMetrics metrics) {
                steps.add(metrics);
            }
        };
    }
}
