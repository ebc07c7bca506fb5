package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Validation inside the barrier stage (local Spark, real DJL): the workers' summed shares equal
 * what {@link TrainedModel#evaluate} computes on the executors for the same rows and parameters,
 * W=2 validates as W=1 does, a held-out fraction is split off by content, early stopping keeps the
 * best validation's parameters (equal, bit for bit, to a run that simply stopped there), and a run
 * interrupted after early stopping started counting resumes to exactly the uninterrupted run.
 */
class ValidationTest {

    private static final int GLOBAL_BATCH = 16;
    private static final InputSpec INPUT = new InputSpec(new long[] {12}, 8);
    private static final Dataset<Row> TRAIN = SyntheticData.classification(GLOBAL_BATCH * 8, 12, 8, 21);
    private static final Dataset<Row> VALIDATION = SyntheticData.classification(75, 12, 8, 22);

    @TempDir
    Path temp;

    private static TrainingOptions options(int workers) {
        return new TrainingOptions("mlp(hidden=24)", INPUT).optWorkers(workers).optBatchSize(GLOBAL_BATCH)
                .optEpochs(3).optSeed(5).optOptimizer("adam").optLearningRate(0.01).optTopK(3);
    }

    @Test
    void theWorkersValidateWhatTheExecutorsEvaluate() {
        RecordingListener reported = new RecordingListener();
        TrainedModel two = Phalanx.fit(TRAIN, VALIDATION, options(2), reported);
        assertEquals(3, two.validations().size(), "one validation per epoch");
        assertEquals(two.validations(), reported.validations, "the listener saw every validation");
        Validation last = two.validations().get(2);
        assertEquals(3, last.epoch());
        assertEquals(24, last.step());
        assertEquals(75, last.evaluation().count(), "every validation row, once, over both workers");
        assertEquals(3, last.evaluation().topK());
        assertTrue(two.keptValidation().isEmpty(), "no early stopping, so the last step's parameters");
        // The independent path: Spark partitions on the executors, batches of 500, the same parameters.
        Evaluation executors = two.evaluate(VALIDATION, "features", "label", 3);
        assertArrayEquals(executors.confusion(), last.evaluation().confusion());
        assertEquals(executors.topKHits(), last.evaluation().topKHits());
        assertEquals(executors.loss(), last.evaluation().loss(), 1e-6 * executors.loss());
        // In the same sample order (no shuffle), W=1 and W=2 take the same steps and so validate alike.
        TrainedModel one = Phalanx.fit(TRAIN, VALIDATION, options(1).optShuffle(false), metrics -> {});
        TrainedModel twoInOrder = Phalanx.fit(TRAIN, VALIDATION, options(2).optShuffle(false), metrics -> {});
        for (int i = 0; i < 3; i++) {
            Evaluation a = one.validations().get(i).evaluation();
            Evaluation b = twoInOrder.validations().get(i).evaluation();
            assertEquals(a.loss(), b.loss(), 1e-5 * a.loss(), "validation loss of epoch " + (i + 1));
        }
        System.out.println("validation after epoch 3, W=2: " + last.evaluation());
    }

    @Test
    void aHeldOutFractionIsSplitOffByContent() {
        RecordingListener seen = new RecordingListener();
        TrainedModel model = Phalanx.fit(TRAIN, null, options(2).optValidationFraction(0.25).optEpochs(1), seen);
        long held = model.validations().get(0).evaluation().count();
        // Binomial(128, 0.25): mean 32, standard deviation 4.9.
        assertTrue(held >= 12 && held <= 52, "about a quarter of 128 rows held out, got " + held);
        long trainingRows = 128 - held;
        assertEquals(trainingRows / GLOBAL_BATCH, model.steps(), "the held-out rows do not train");
        // The same seed holds out the same rows, whatever the partitioning.
        TrainedModel again = Phalanx.fit(TRAIN.repartition(5), null, options(2).optValidationFraction(0.25)
                .optEpochs(1), metrics -> {});
        assertEquals(held, again.validations().get(0).evaluation().count());
        assertEquals(1, seen.validations.size());
    }

    @Test
    void aRegressionValidatesEveryFewStepsWithItsOwnMetrics() {
        Dataset<Row> data = SyntheticData.regression(GLOBAL_BATCH * 8, 4, 7, -1);
        TrainedModel model = Phalanx.fit(data, null, new TrainingOptions("mlp(hidden=16)", new InputSpec(new long[] {4},
                1)).optLoss("mse").optLabelCol("target").optWorkers(2).optBatchSize(GLOBAL_BATCH).optEpochs(2)
                .optLearningRate(0.01).optValidationFraction(0.2).optValidateEverySteps(5), metrics -> {});
        long steps = model.steps();
        List<Validation> validations = model.validations();
        assertEquals(steps / 5, validations.size(), "one validation every 5 of " + steps + " steps");
        for (int i = 0; i < validations.size(); i++) {
            Validation v = validations.get(i);
            assertEquals(5L * (i + 1), v.step());
            assertEquals((v.step() - 1) / (steps / 2) + 1, v.epoch(), "the epoch of step " + v.step());
            assertEquals(List.of("loss", "mse", "rmse", "mae", "r2"), List.copyOf(v.evaluation().metrics().keySet()));
            assertEquals(v.evaluation().meanSquaredError(), v.evaluation().loss(), 1e-12, "mse is the loss");
        }
        assertThrows(IllegalStateException.class, () -> validations.get(0).evaluation().accuracy());
    }

    @Test
    void earlyStoppingKeepsTheBestValidationsParameters() {
        // No later validation beats the first by 100: training stops after 1 + patience validations
        // and keeps the first's parameters, which a run of one epoch ends with.
        TrainedModel stopped = Phalanx.fit(TRAIN, VALIDATION, options(2).optEpochs(6).optEarlyStopping("loss", 2, 100),
                metrics -> {});
        assertTrue(stopped.stoppedEarly());
        assertEquals(3, stopped.validations().size(), "stopped after the third epoch's validation");
        assertEquals(3 * 8, stopped.steps());
        assertEquals(1, stopped.keptValidation().orElseThrow().epoch());
        float[] oneEpoch = Phalanx.fit(TRAIN, VALIDATION, options(2).optEpochs(1), metrics -> {}).parameters();
        assertArrayEquals(oneEpoch, stopped.parameters(), "the kept parameters are epoch 1's");

        // With a real threshold, the kept validation is the best by the watched metric.
        TrainedModel watched = Phalanx.fit(TRAIN, VALIDATION, options(2).optEpochs(4)
                .optEarlyStopping("accuracy", 10, 0), metrics -> {});
        assertFalse(watched.stoppedEarly());
        double best = watched.validations().stream().mapToDouble(v -> v.evaluation().accuracy()).max().orElseThrow();
        Validation kept = watched.keptValidation().orElseThrow();
        assertEquals(best, kept.evaluation().accuracy());
        assertEquals(kept, watched.validations().stream().filter(v -> v.evaluation().accuracy() == best).findFirst()
                .orElseThrow(), "the first of equally good validations");
    }

    private static TrainingOptions counting() {
        return options(2).optEpochs(8).optEarlyStopping("loss", 3, 100).optCheckpointEverySteps(3);
    }

    @Test
    void aRunInterruptedWhileEarlyStoppingCountsResumesExactly() {
        String clean = temp.resolve("clean").toUri().toString();
        String broken = temp.resolve("broken").toUri().toString();
        TrainedModel uninterrupted = Phalanx.fit(TRAIN, VALIDATION, counting().optCheckpointDir(clean),
                metrics -> {});
        // Step 21 is in epoch 3: two validations have not improved on the first.
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(TRAIN, VALIDATION, counting()
                .optCheckpointDir(broken).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 21)),
                metrics -> {}));
        RecordingListener resuming = new RecordingListener();
        TrainedModel resumed = Phalanx.fit(TRAIN, VALIDATION, counting().optCheckpointDir(broken), resuming);
        assertEquals(List.of("resuming from checkpoint ckpt-000000000021 (step 21, epoch 3)"), resuming.events);
        assertEquals(uninterrupted.validations(), resumed.validations(), "every validation, bit for bit");
        assertEquals(4, resumed.validations().size());
        assertEquals(32, resumed.steps());
        assertArrayEquals(uninterrupted.parameters(), resumed.parameters());
        // Rerun once finished: the early stop is in the last checkpoint, so no step is taken again.
        TrainedModel rerun = Phalanx.fit(TRAIN, VALIDATION, counting().optCheckpointDir(broken), metrics -> {});
        assertEquals(32, rerun.steps());
        assertTrue(rerun.stoppedEarly());
        assertArrayEquals(uninterrupted.parameters(), rerun.parameters());
        assertNotEquals(0, uninterrupted.parameters().length);
    }

    @Test
    void earlyStoppingCannotStartOnACheckpointWithoutTheBestParameters() {
        String checkpoints = temp.resolve("without-best").toUri().toString();
        Phalanx.fit(TRAIN, VALIDATION, options(2).optEpochs(2).optCheckpointDir(checkpoints), metrics -> {});
        RuntimeException refused = assertThrows(RuntimeException.class, () -> Phalanx.fit(TRAIN, VALIDATION,
                options(2).optEpochs(4).optCheckpointDir(checkpoints).optEarlyStopping("loss", 2, 0).optMaxAttempts(1),
                metrics -> {}));
        assertTrue(refused.getMessage().contains("holds 2 validations but not the best one's parameters"),
                refused.getMessage());
    }

    @Test
    void badValidationSettingsAreNamed() {
        assertEquals("early_stopping_patience (2) needs validation data: set validation_fraction, or give"
                + " validation data", assertThrows(IllegalArgumentException.class, () -> Phalanx.fit(TRAIN,
                        options(2).optEarlyStopping("loss", 2, 0))).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Phalanx.fit(TRAIN, VALIDATION,
                options(2).optValidationFraction(0.1), metrics -> {})).getMessage()
                .startsWith("validation_fraction (0.1) holds rows out of the training data, but validation data"));
        assertEquals("early_stopping_metric 'r2' is not a metric of loss cross_entropy; choose one of loss, accuracy,"
                + " top_k_accuracy, macro_f1, weighted_f1", assertThrows(IllegalArgumentException.class,
                        () -> options(2).optEarlyStopping("r2", 2, 0).validate()).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> options(2).optEarlyStopping("auc", 2, 0)
                .validate()).getMessage().startsWith("early_stopping_metric "));
        Dataset<Row> renamed = VALIDATION.withColumnRenamed("label", "class");
        String missing = assertThrows(InvalidDataException.class, () -> Phalanx.fit(TRAIN, renamed, options(2),
                metrics -> {})).getMessage();
        assertTrue(missing.startsWith("validation data: ") && missing.contains("'label'"), missing);
        Dataset<Row> badLabel = VALIDATION.withColumn("label", functions.lit(9));
        String outOfRange = assertThrows(RuntimeException.class, () -> Phalanx.fit(TRAIN, badLabel, options(2)
                .optEpochs(1), metrics -> {})).getMessage();
        assertTrue(outOfRange.contains("validation data: ") && outOfRange.contains("label"), outOfRange);
    }
}
