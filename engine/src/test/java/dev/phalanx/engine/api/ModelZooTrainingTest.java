package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.LossNotFiniteException;
import dev.phalanx.models.InputSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Every model of the catalog trains under Phalanx with two workers — real Spark barrier stage,
 * real PyTorch, real ring all-reduce — on a small learnable data set: the loss of the last epoch is
 * well below the first's.
 */
class ModelZooTrainingTest {

    @Test
    void theMlpLearns() {
        assertLearns("mlp", SyntheticData.classification(1024, 16, 4, 1), new long[] {16}, 4, 3, 0.05);
    }

    @Test
    void theLeNetStyleCnnWithBatchNormLearns() {
        assertLearns("cnn(filters=8, dense=32, batch_norm=true)", SyntheticData.images(512, 1, 12, 3, 2),
                new long[] {1, 12, 12}, 3, 3, 0.05);
    }

    // 64 steps of 64 samples (32 per worker) let batch norm's running statistics, used in
    // evaluation, settle.
    @Test
    void resnet18LearnsOnGreyscale28x28Images() {
        assertLearns("resnet(width=8)", SyntheticData.images(512, 1, 28, 4, 3), new long[] {1, 28, 28}, 4, 8, 64,
                0.01, 2);
    }

    @Test
    void resnet18LearnsOnColour32x32Images() {
        assertLearns("resnet(width=8)", SyntheticData.images(512, 3, 32, 4, 4), new long[] {3, 32, 32}, 4, 8, 64,
                0.01, 2);
    }

    @Test
    void theTransformerLearnsFromTokenIdsOfVaryingLength() {
        // Sequences of 3 to 16 ids read at length 12: short ones padded, long ones cut.
        assertLearns("transformer(vocab_size=40, embedding_size=32, heads=4, feed_forward_size=64, layers=2)",
                SyntheticData.tokens(1024, 40, 4, 5), new long[] {12}, 4, 4, 0.001);
    }

    @Test
    void aDivergingRunStopsWithTheStepInsteadOfTrainingOnNaN() {
        LossNotFiniteException diverged = assertThrows(LossNotFiniteException.class, () -> Phalanx.fit(
                SyntheticData.classification(512, 16, 4, 6),
                new TrainingOptions("mlp", new InputSpec(new long[] {16}, 4)).optWorkers(2).optEpochs(2)
                        .optBatchSize(32).optLearningRate(1e6).optMaxAttempts(3)));
        assertTrue(diverged.getMessage().startsWith("the training loss became ") && diverged.getMessage()
                .contains("training diverged; lower learning_rate (now 1000000.0)"), diverged.getMessage());
    }

    private static void assertLearns(String model, Dataset<Row> data, long[] shape, int classes, int epochs,
            double learningRate) {
        assertLearns(model, data, shape, classes, epochs, 32, learningRate, 2);
    }

    private static void assertLearns(String model, Dataset<Row> data, long[] shape, int classes, int epochs,
            int batchSize, double learningRate, int workers) {
        List<EpochMetrics> epochsSeen = new ArrayList<>();
        TrainedModel trained = Phalanx.fit(data,
                new TrainingOptions(model, new InputSpec(shape, classes))
                        .optWorkers(workers).optEpochs(epochs).optBatchSize(batchSize).optSeed(7)
                        .optOptimizer(learningRate < 0.01 ? "adam" : "sgd").optLearningRate(learningRate),
                epochsSeen::add);
        assertEquals(epochs, epochsSeen.size());
        double first = epochsSeen.get(0).loss();
        double last = epochsSeen.get(epochs - 1).loss();
        assertTrue(Double.isFinite(last) && last < 0.7 * first,
                model + ": loss did not fall enough: " + first + " -> " + last + " " + epochsSeen);
        double accuracy = trained.accuracy(data, "features", "label");
        System.out.printf("%s: loss %.4f -> %.4f over %d epochs, training-set accuracy %.3f%n", model, first, last,
                epochs, accuracy);
        assertTrue(accuracy > 1.5 / classes, model + ": accuracy " + accuracy + " after " + epochsSeen);
    }
}
