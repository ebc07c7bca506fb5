package dev.phalanx.engine.api.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Phalanx as a stage of a Spark ML {@code Pipeline} after a {@code VectorAssembler}, on plain
 * numeric columns with a double label: fit, evaluate with Spark's evaluator, and save and load
 * both the unfitted pipeline and the fitted one.
 */
class PipelineTest {

    private static final String[] COLUMNS = {"a", "b", "c", "d", "e", "f"};

    @Test
    void trainsAfterAVectorAssemblerAndSurvivesPipelineSaveAndLoad(@TempDir Path dir) throws IOException {
        Dataset<Row> data = columns(SyntheticData.classification(2048, 6, 3, 21));
        Dataset<Row> test = columns(SyntheticData.classification(400, 6, 3, 22));
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
            new VectorAssembler().setInputCols(COLUMNS).setOutputCol("vec"),
            new PhalanxClassifier().setFeaturesCol("vec").setLabelCol("target").setWorkers(2).setEpochs(3)
                    .setBatchSize(32).setLearningRate(0.1).setSeed(4)
        });
        String pipelinePath = dir.resolve("pipeline").toString();
        pipeline.write().save(pipelinePath);
        Pipeline reloaded = Pipeline.load(pipelinePath);
        PhalanxClassifier stage = (PhalanxClassifier) reloaded.getStages()[1];
        assertEquals("vec", stage.getOrDefault(stage.featuresCol()));
        assertEquals(3, (int) (Integer) stage.getOrDefault(stage.epochs()));

        PipelineModel fitted = reloaded.fit(data);
        PhalanxClassificationModel model = (PhalanxClassificationModel) fitted.stages()[1];
        assertArrayEquals(new int[] {6}, model.getInputShape(), "input length read from the assembler's metadata");
        assertEquals(3, model.getNumClasses());
        double accuracy = new MulticlassClassificationEvaluator().setLabelCol("target")
                .setMetricName("accuracy").evaluate(fitted.transform(test));
        assertTrue(accuracy > 0.8, "accuracy " + accuracy);

        String modelPath = dir.resolve("pipeline-model").toString();
        fitted.write().save(modelPath);
        PipelineModel loaded = PipelineModel.load(modelPath);
        assertEquals(scored(fitted, test), scored(loaded, test));
    }

    private static List<Row> scored(PipelineModel model, Dataset<Row> data) {
        return model.transform(data).select("a", "prediction", "probability").orderBy("a").collectAsList();
    }

    private static Dataset<Row> columns(Dataset<Row> arrays) {
        Column[] columns = new Column[COLUMNS.length + 1];
        for (int i = 0; i < COLUMNS.length; i++) {
            columns[i] = functions.col("features").getItem(i).cast("double").as(COLUMNS[i]);
        }
        columns[COLUMNS.length] = functions.col("label").cast("double").as("target");
        return arrays.select(columns);
    }
}
