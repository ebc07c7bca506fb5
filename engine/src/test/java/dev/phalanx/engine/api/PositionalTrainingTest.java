package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.data.FashionMnist;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training on Fashion-MNIST read by the workers straight from its files against training on the
 * DataFrame of the same files (Spark's count job and shuffle): the same parameters bit for bit, and
 * checkpoints one resumes from the other, as both record the same fingerprint; scoring from the
 * files counts what scoring the DataFrame counts.
 */
class PositionalTrainingTest {

    private static final Path DIR = Path.of(FashionMnist.DEBIAN_DIR);

    @TempDir
    static Path root;

    private static TrainingOptions mlp() {
        // 10 000 test images in global batches of 64: 156 whole steps (an epoch drops the partial batch).
        return new TrainingOptions("mlp(hidden=32)", new InputSpec(new long[] {1, 28, 28}, 10)).optWorkers(2)
                .optEpochs(1).optBatchSize(64).optSeed(7).optOptimizer("adam").optLearningRate(0.002);
    }

    @Test
    void theFilesTrainAsTheirDataFrameDoesAndShareItsCheckpoints() throws IOException {
        SparkSession spark = SparkTestSession.get();
        PositionalRows files = FashionMnist.positional(DIR, FashionMnist.Split.TEST);
        Dataset<Row> frame = FashionMnist.load(spark, DIR, FashionMnist.Split.TEST, 3);
        TrainedModel fromFrame = Phalanx.fit(frame, mlp());
        TrainedModel fromFiles = Phalanx.fit(spark, files, mlp(), metrics -> {});
        assertEquals(156, fromFiles.steps());
        assertArrayEquals(bits(fromFrame.parameters()), bits(fromFiles.parameters()));

        // Scored from the files in 3 tasks: the DataFrame's counts, confusion matrix and top-5 hits.
        Evaluation onFrame = fromFiles.evaluate(frame, "features", "label", 5);
        Evaluation onFiles = fromFiles.evaluate(spark, files, 3, 5);
        assertEquals(10_000, onFiles.count());
        assertArrayEquals(onFrame.confusion(), onFiles.confusion());
        assertEquals(onFrame.topKHits(), onFiles.topKHits());
        assertEquals(onFrame.lossSum(), onFiles.lossSum(), 1e-9 * onFrame.lossSum(), "summed in another order");

        // Killed at step 60 reading the files, resumed from step 50 on the DataFrame.
        String dir = root.resolve("checkpoints").toUri().toString();
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(spark, files, mlp().optCheckpointDir(dir)
                .optCheckpointEverySteps(50).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 60)),
                metrics -> {}));
        TrainedModel resumed = Phalanx.fit(frame, mlp().optCheckpointDir(dir).optCheckpointEverySteps(50));
        assertArrayEquals(bits(fromFrame.parameters()), bits(resumed.parameters()),
                "resumed from the files' checkpoint of step 50 on the DataFrame");
    }

    @Test
    void aValidationFractionHoldsRowsOutOfTheFilesDataFrame() throws IOException {
        SparkSession spark = SparkTestSession.get();
        TrainedModel model = Phalanx.fit(spark, FashionMnist.positional(DIR, FashionMnist.Split.TEST),
                mlp().optValidationFraction(0.1), metrics -> {});
        assertFalse(model.validations().isEmpty());
        long validated = model.validations().get(0).evaluation().count();
        // About a tenth of 10 000, chosen by each row's content.
        assertEquals(1000, validated, 100);
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
