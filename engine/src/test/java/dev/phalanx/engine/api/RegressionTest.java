package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.models.InputSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Regression: real-valued labels under mean squared error, trained with two workers. */
class RegressionTest {

    @Test
    void anMlpLearnsALinearTargetUnderMeanSquaredError() {
        Dataset<Row> data = SyntheticData.regression(2048, 4, 8, -1);
        List<EpochMetrics> epochs = new ArrayList<>();
        TrainedModel model = Phalanx.fit(data,
                new TrainingOptions("mlp(hidden=32)", new InputSpec(new long[] {4}, 1)).optLoss("mse")
                        .optLabelCol("target").optWorkers(2).optEpochs(6).optBatchSize(32).optLearningRate(0.01).optSeed(2),
                epochs::add);
        double first = epochs.get(0).loss();
        double last = epochs.get(5).loss();
        assertTrue(last < 0.1 * first, "mse did not fall: " + epochs);
        assertTrue(Double.isNaN(epochs.get(5).accuracy()), "accuracy is not defined for regression");
        // The target's variance is 2^2/12 + 1/12 + 0.5^2/12 = 0.44: the model must explain nearly all of it.
        double mse = model.meanSquaredError(data, "features", "target");
        assertTrue(mse < 0.02, "mean squared error " + mse);
        assertThrows(IllegalStateException.class, () -> model.accuracy(data, "features", "target"));
    }

    @Test
    void aNonFiniteTargetOrAClassificationSpecWithOneOutputIsNamed() {
        Exception nan = assertThrows(Exception.class, () -> Phalanx.fit(SyntheticData.regression(64, 4, 9, 17),
                new TrainingOptions("mlp", new InputSpec(new long[] {4}, 1)).optLoss("mse").optWorkers(2)
                        .optLabelCol("target").optBatchSize(8)));
        Throwable cause = nan;
        while (!(cause instanceof InvalidDataException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("column 'target', row 17: is NaN; expected a finite regression target"),
                cause.getMessage());
        IllegalArgumentException oneClass = assertThrows(IllegalArgumentException.class,
                () -> new TrainingOptions("mlp", new InputSpec(new long[] {4}, 1)).validate());
        assertEquals("num_classes must be at least 2 for loss cross_entropy, got 1", oneClass.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> new TrainingOptions("mlp", new InputSpec(new long[] {4}, 1)).optLoss("hinge"));
        assertEquals("loss 'hinge' is unknown; known losses: cross_entropy, mse", unknown.getMessage());
    }
}
