package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.models.InputSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/** Training from an ML Vector column and a double label, as a Spark ML pipeline produces them. */
class VectorInputTest {

    @Test
    void trainsFromAnAssembledVectorColumnAndReportsProgressPerEpoch() {
        Dataset<Row> arrays = SyntheticData.classification(2048, 6, 3, 5);
        Dataset<Row> columns = arrays.select(
                functions.col("features").getItem(0).as("a"), functions.col("features").getItem(1).as("b"),
                functions.col("features").getItem(2).as("c"), functions.col("features").getItem(3).as("d"),
                functions.col("features").getItem(4).as("e"), functions.col("features").getItem(5).as("f"),
                functions.col("label").cast("double").as("target"));
        Dataset<Row> assembled = new VectorAssembler()
                .setInputCols(new String[] {"a", "b", "c", "d", "e", "f"})
                .setOutputCol("vec")
                .transform(columns);
        List<EpochMetrics> progress = new ArrayList<>();
        TrainedModel model = Phalanx.fit(assembled,
                new TrainingOptions("mlp", new InputSpec(new long[] {6}, 3))
                        .optFeaturesCol("vec").optLabelCol("target")
                        .optEpochs(4).optBatchSize(32).optLearningRate(0.1).optSeed(1),
                progress::add);
        assertTrue(progress.size() == 4, "expected one progress report per epoch, got " + progress);
        double firstLoss = progress.get(0).loss();
        double lastLoss = progress.get(3).loss();
        assertTrue(lastLoss < 0.7 * firstLoss, "loss did not fall: " + firstLoss + " -> " + lastLoss);
        double accuracy = model.accuracy(assembled, "vec", "target");
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);
    }
}
