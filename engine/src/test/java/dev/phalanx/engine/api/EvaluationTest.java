package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.models.InputSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainedModel#evaluate} sums its metrics on the executors, partition by partition; Spark
 * ML's own evaluators, given the same model's predictions for the same rows (computed here on the
 * driver, one row at a time), are the independent reference for every metric.
 */
class EvaluationTest {

    private static final StructType PREDICTIONS = new StructType()
            .add("prediction", DataTypes.DoubleType, false)
            .add("label", DataTypes.DoubleType, false);

    @Test
    void classificationMetricsAgreeWithSparkMlsEvaluator() {
        InputSpec input = new InputSpec(new long[] {8}, 4);
        TrainedModel model = Phalanx.fit(SyntheticData.classification(512, 8, 4, 11),
                new TrainingOptions("mlp(hidden=16)", input).optWorkers(2).optBatchSize(32).optEpochs(1));
        Dataset<Row> test = SyntheticData.classification(300, 8, 4, 12).repartition(3);
        Evaluation evaluation = model.evaluate(test, "features", "label");
        List<Row> rows = new ArrayList<>();
        try (ModelReplica replica = ModelReplica.withParameters(model.model(), input, model.parameters())) {
            for (Row row : test.collectAsList()) {
                float[] x = features(row);
                rows.add(RowFactory.create((double) replica.predict(FloatBuffer.wrap(x), 1)[0],
                        ((Number) row.getAs("label")).doubleValue()));
            }
        }
        Dataset<Row> predictions = SparkTestSession.get().createDataFrame(rows, PREDICTIONS);
        assertEquals(300, evaluation.count());
        for (String metric : List.of("accuracy", "f1", "weightedPrecision", "weightedRecall")) {
            double spark = new MulticlassClassificationEvaluator().setMetricName(metric).evaluate(predictions);
            double ours = switch (metric) {
                case "accuracy" -> evaluation.accuracy();
                case "f1" -> evaluation.weightedF1();
                case "weightedPrecision" -> evaluation.weightedPrecision();
                default -> evaluation.weightedRecall();
            };
            assertEquals(spark, ours, 1e-12, metric);
        }
        assertEquals(evaluation.accuracy(), model.accuracy(test, "features", "label"));
        assertThrows(IllegalStateException.class, evaluation::meanSquaredError);
        System.out.println("evaluation: " + evaluation);
    }

    @Test
    void regressionMetricsAgreeWithSparkMlsEvaluator() {
        InputSpec input = new InputSpec(new long[] {4}, 1);
        Dataset<Row> data = SyntheticData.regression(600, 4, 5, -1);
        TrainedModel model = Phalanx.fit(data, new TrainingOptions("mlp(hidden=16)", input).optLoss("mse")
                .optLabelCol("target").optWorkers(2).optBatchSize(32).optEpochs(2).optLearningRate(0.01));
        Evaluation evaluation = model.evaluate(data.repartition(4), "features", "target");
        List<Row> rows = new ArrayList<>();
        try (ModelReplica replica = ModelReplica.withParameters(model.model(), input, model.parameters())) {
            for (Row row : data.collectAsList()) {
                // Phalanx holds a regression target as a float32, as it trains on it.
                rows.add(RowFactory.create((double) replica.logits(FloatBuffer.wrap(features(row)), 1)[0],
                        (double) (float) row.getDouble(1)));
            }
        }
        Dataset<Row> predictions = SparkTestSession.get().createDataFrame(rows, PREDICTIONS);
        // The network's float32 outputs for a batch of 500 and for one row differ in the last bits
        // (matrix-matrix against matrix-vector products), so the metrics agree to float precision.
        for (String metric : List.of("mse", "rmse", "mae", "r2")) {
            double spark = new RegressionEvaluator().setMetricName(metric).evaluate(predictions);
            double ours = switch (metric) {
                case "mse" -> evaluation.meanSquaredError();
                case "rmse" -> evaluation.rootMeanSquaredError();
                case "mae" -> evaluation.meanAbsoluteError();
                default -> evaluation.r2();
            };
            assertEquals(spark, ours, 1e-6 * Math.abs(spark), metric);
        }
        assertThrows(IllegalStateException.class, evaluation::accuracy);
        System.out.println("evaluation: " + evaluation);
    }

    private static float[] features(Row row) {
        List<Object> values = row.getList(row.fieldIndex("features"));
        float[] x = new float[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = ((Number) values.get(i)).floatValue();
        }
        return x;
    }
}
