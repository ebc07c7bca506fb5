package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.optim.LearningRateSchedule;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdamW with weight decay, a warm-up cosine schedule, clipping by global norm and label smoothing in a real run
 * (local Spark, real DJL): two workers end where one does, and a run interrupted in the middle of
 * warm-up resumes to exactly the uninterrupted run's parameters. The formulas themselves are
 * checked against torch.optim in {@code OptimizerTest}.
 */
class ScheduleAndClippingTest {

    private static final int GLOBAL_BATCH = 16;
    private static final int STEPS_PER_EPOCH = 10;
    private static final Dataset<Row> DATA = SyntheticData.classification(GLOBAL_BATCH * STEPS_PER_EPOCH, 20, 4, 8);

    @TempDir
    Path temp;

    private static TrainingOptions options(int workers) {
        return new TrainingOptions("mlp(hidden=32)", new InputSpec(new long[] {20}, 4)).optWorkers(workers)
                .optBatchSize(GLOBAL_BATCH).optEpochs(3).optSeed(4).optShuffle(false)
                .optOptimizer("adamw").optLearningRate(0.01).optWeightDecay(0.05)
                .optLearningRateSchedule("cosine", 12).optClipGradNorm(0.5).optLabelSmoothing(0.1);
    }

    @Test
    void twoWorkersEndWhereOneDoes() {
        float[] one = Phalanx.fit(DATA, options(1)).parameters();
        RecordingListener progress = new RecordingListener();
        float[] two = Phalanx.fit(DATA, options(2).optLogEverySteps(1), progress).parameters();
        List<Double> rates = progress.steps.stream().map(StepMetrics::learningRate).toList();
        LearningRateSchedule schedule = options(2).learningRateSchedule();
        assertEquals(3 * STEPS_PER_EPOCH, rates.size());
        for (int step = 0; step < rates.size(); step++) {
            assertEquals(schedule.at(step, rates.size()), rates.get(step), 0.0, "the rate reported for step " + step);
        }
        assertEquals(0.0, rates.get(0), "warm-up starts from 0");
        assertEquals(0.01, rates.get(12), 1e-9, "the base rate when warm-up ends");
        float[] unclipped = Phalanx.fit(DATA, options(2).optClipGradNorm(0)).parameters();
        double maxRelative = 0;
        boolean clippingMattered = false;
        for (int i = 0; i < one.length; i++) {
            maxRelative = Math.max(maxRelative, Math.abs(one[i] - two[i]) / Math.max(Math.abs(one[i]), 1e-3));
            clippingMattered |= two[i] != unclipped[i];
        }
        System.out.printf("adamw + warm-up cosine + clipping: W=2 vs W=1 max relative difference %.3e over 30 steps%n",
                maxRelative);
        assertTrue(maxRelative <= 1e-4, "W=2 differs from W=1 by " + maxRelative);
        assertTrue(clippingMattered, "clip_grad_norm must change the run");
    }

    @Test
    void accumulatingMicroBatchesTakesTheSameSteps() {
        float[] whole = Phalanx.fit(DATA, options(1)).parameters();
        float[] fourParts = Phalanx.fit(DATA, options(1).optAccumulationSteps(4)).parameters();
        float[] twoWorkersTwoParts = Phalanx.fit(DATA, options(2).optAccumulationSteps(2)).parameters();
        double fourRelative = ParameterDifference.maxRelative(whole, fourParts);
        double twoRelative = ParameterDifference.maxRelative(whole, twoWorkersTwoParts);
        System.out.printf("accumulation: 4 micro-batches vs the whole batch %.3e, W=2 x 2 micro-batches %.3e"
                + " (max relative, 30 steps)%n", fourRelative, twoRelative);
        assertTrue(fourRelative <= 1e-4, "4 micro-batches differ by " + fourRelative);
        assertTrue(twoRelative <= 1e-4, "W=2 with 2 micro-batches differs by " + twoRelative);
        // Adam and clipping hardly see a gradient's scale; plain SGD does, so a sum of the parts'
        // gradients in place of their mean would show here.
        double sgdRelative = ParameterDifference.maxRelative(Phalanx.fit(DATA, sgd(options(1))).parameters(),
                Phalanx.fit(DATA, sgd(options(1)).optAccumulationSteps(4)).parameters());
        System.out.printf("accumulation under plain sgd: %.3e%n", sgdRelative);
        assertTrue(sgdRelative <= 1e-4, "4 micro-batches under sgd differ by " + sgdRelative);
        assertEquals("accumulation_steps (3) must divide each worker's share of batch_size (16 / 2) evenly",
                assertThrows(IllegalArgumentException.class, () -> options(2).optAccumulationSteps(3).validate())
                        .getMessage());
    }

    @Test
    void classWeightsDivideByTheWholeGlobalBatchsWeightSum() {
        double[] weights = {1, 3, 0.5, 2};
        float[] one = Phalanx.fit(DATA, sgd(options(1)).optClassWeights(weights)).parameters();
        float[] twoWorkersTwoParts = Phalanx.fit(DATA, sgd(options(2)).optClassWeights(weights).optAccumulationSteps(2))
                .parameters();
        float[] unweighted = Phalanx.fit(DATA, sgd(options(1))).parameters();
        double relative = ParameterDifference.maxRelative(one, twoWorkersTwoParts);
        System.out.printf("class weights: W=2 x 2 micro-batches vs W=1 %.3e (max relative); weighted vs not %.3e%n",
                relative, ParameterDifference.maxRelative(one, unweighted));
        assertTrue(relative <= 1e-4, "W=2 with class weights differs by " + relative);
        assertTrue(ParameterDifference.maxRelative(one, unweighted) > 1e-2, "class weights must change the run");
        assertEquals("class_weights holds 3 weights for 4 classes", assertThrows(IllegalArgumentException.class,
                () -> options(2).optClassWeights(1, 2, 3).validate()).getMessage());
    }

    private static TrainingOptions sgd(TrainingOptions options) {
        return options.optOptimizer("sgd").optLearningRate(0.1).optWeightDecay(0).optClipGradNorm(0)
                .optLearningRateSchedule("constant", 0);
    }

    @Test
    void aRunInterruptedDuringWarmUpResumesExactly() {
        String clean = temp.resolve("clean").toUri().toString();
        String broken = temp.resolve("broken").toUri().toString();
        TrainedModel uninterrupted = Phalanx.fit(DATA, options(2).optCheckpointDir(clean).optCheckpointEverySteps(5));
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA, options(2).optCheckpointDir(broken)
                .optCheckpointEverySteps(5).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 8))));
        RecordingListener resuming = new RecordingListener();
        TrainedModel resumed = Phalanx.fit(DATA, options(2).optCheckpointDir(broken).optCheckpointEverySteps(5),
                resuming);
        assertEquals(List.of("resuming from checkpoint ckpt-000000000005 (step 5, epoch 1)"), resuming.events);
        assertArrayEquals(uninterrupted.parameters(), resumed.parameters());
    }

    @Test
    void badScheduleSettingsAreNamedByTheirKeys() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> options(2).optLearningRateSchedule("linear", 0).validate()).getMessage()
                .startsWith("lr_schedule "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options(2).optClipGradNorm(-1).validate())
                .getMessage().startsWith("clip_grad_norm "));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options(2).optWeightDecay(-0.1).validate())
                .getMessage().startsWith("weight_decay "));
        assertEquals("label_smoothing applies to loss cross_entropy only, got 0.1 with loss mse",
                assertThrows(IllegalArgumentException.class, () -> new TrainingOptions("mlp",
                        new InputSpec(new long[] {20}, 1)).optLoss("mse").optLabelSmoothing(0.1).validate()).getMessage());
    }
}
