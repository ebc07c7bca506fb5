package dev.phalanx.engine.api.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.MiniHdfs;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.data.InvalidDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML estimator and model on a real local Spark: fit, score, save and load on the local
 * file system and on HDFS, with predictions identical across the round trip.
 */
class PhalanxClassifierTest {

    private static Dataset<Row> train;
    private static Dataset<Row> test;
    private static PhalanxClassificationModel model;

    @BeforeAll
    static void fitOnce() {
        train = SyntheticData.classification(2048, 8, 4, 11);
        test = SyntheticData.classification(300, 8, 4, 12).repartition(3);
        model = new PhalanxClassifier().setWorkers(2).setEpochs(3).setBatchSize(32).setLearningRate(0.1)
                .setSeed(3).fit(train);
    }

    @Test
    void infersTheInputAndClassesAndLearns() {
        assertArrayEquals(new int[] {8}, model.getInputShape());
        assertEquals(4, model.getNumClasses());
        assertEquals(3, model.history().size());
        assertEquals(3, model.historyFrame().count());
        double accuracy = accuracy(model.transform(test));
        assertTrue(accuracy > 0.8, "test accuracy " + accuracy);
    }

    @Test
    void appendsRawScoresProbabilitiesAndPredictionsToEveryRow() {
        List<Row> rows = model.transform(test).collectAsList();
        assertEquals(300, rows.size());
        for (Row row : rows) {
            Vector raw = row.getAs("rawPrediction");
            Vector probability = row.getAs("probability");
            double prediction = row.getAs("prediction");
            assertEquals(4, raw.size());
            assertEquals(1.0, sum(probability), 1e-9);
            assertEquals(raw.argmax(), (int) prediction);
            assertEquals(probability.argmax(), (int) prediction);
        }
    }

    @Test
    void scoresTheSameWhateverTheBatchSizeOrPartitioning() {
        List<Row> batched = ordered(model.transform(test));
        List<Row> oneByOne = ordered(model.copy(ParamMap.empty())
                .setInferenceBatchSize(1).transform(test.coalesce(1)));
        for (int i = 0; i < batched.size(); i++) {
            assertEquals((double) batched.get(i).getAs("prediction"), (double) oneByOne.get(i).getAs("prediction"));
            Vector a = batched.get(i).getAs("probability");
            Vector b = oneByOne.get(i).getAs("probability");
            for (int c = 0; c < a.size(); c++) {
                assertEquals(a.apply(c), b.apply(c), 1e-5, "row " + i + " class " + c);
            }
        }
    }

    @Test
    void predictionsAreIdenticalAfterSaveAndLoadOnTheLocalFileSystem(@TempDir Path dir) throws IOException {
        String path = dir.resolve("model").toUri().toString();
        model.write().save(path);
        PhalanxClassificationModel loaded = PhalanxClassificationModel.load(path);
        assertEquals(model.uid(), loaded.uid());
        assertArrayEquals(model.parameters(), loaded.parameters());
        assertEquals(model.history(), loaded.history());
        assertEquals(ordered(model.transform(test)), ordered(loaded.transform(test)));
    }

    @Test
    void predictionsAreIdenticalAfterSaveAndLoadOnHdfs() throws IOException {
        String path = MiniHdfs.uri() + "/models/classifier-" + System.nanoTime();
        model.copy(ParamMap.empty()).setPredictionCol("predicted").write().save(path);
        PhalanxClassificationModel loaded = PhalanxClassificationModel.load(path);
        assertEquals("predicted", loaded.getOrDefault(loaded.predictionCol()));
        List<Row> before = ordered(model.transform(test));
        List<Row> after = ordered(loaded.transform(test));
        for (int i = 0; i < before.size(); i++) {
            assertEquals((double) before.get(i).getAs("prediction"), (double) after.get(i).getAs("predicted"));
            assertEquals(before.get(i).<Vector>getAs("probability"), after.get(i).<Vector>getAs("probability"));
        }
    }

    @Test
    void savingOverAnExistingModelIsRefusedAndLeavesItIntact(@TempDir Path dir) throws IOException {
        String path = dir.resolve("model").toString();
        model.write().save(path);
        byte[] parameters = Files.readAllBytes(dir.resolve("model/data/parameters.bin"));
        IOException refused = assertThrows(IOException.class, () -> model.write().save(path));
        assertTrue(refused.getMessage().contains("already exists"), refused.getMessage());
        assertArrayEquals(parameters, Files.readAllBytes(dir.resolve("model/data/parameters.bin")));
        model.write().overwrite().save(path);
        assertArrayEquals(model.parameters(), PhalanxClassificationModel.load(path).parameters());
    }

    @Test
    void aDamagedParameterFileIsRefusedByName(@TempDir Path dir) throws IOException {
        String path = dir.resolve("model").toString();
        model.write().save(path);
        Path file = dir.resolve("model/data/parameters.bin");
        byte[] bytes = Files.readAllBytes(file);
        bytes[100] ^= 0x10;
        Files.write(file, bytes);
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> PhalanxClassificationModel.load(path));
        assertTrue(error.getMessage().contains("parameters.bin") && error.getMessage().contains("checksum"),
                error.getMessage());
    }

    @Test
    void theClassifierKeepsItsParamsThroughSaveAndLoad(@TempDir Path dir) throws IOException {
        PhalanxClassifier classifier = new PhalanxClassifier().setModelName("cnn").setInputShape(new int[] {1, 28, 28})
                .setEpochs(4).setLearningRate(0.01).setOptimizer("adam").setCheckpointDir("hdfs://x/ckpt");
        String path = dir.resolve("classifier").toString();
        classifier.write().save(path);
        PhalanxClassifier loaded = PhalanxClassifier.load(path);
        assertEquals(classifier.uid(), loaded.uid());
        for (Param<?> param : classifier.params()) {
            @SuppressWarnings("unchecked")
            Param<Object> p = (Param<Object>) param;
            assertEquals(classifier.isSet(p), loaded.isSet(loaded.getParam(p.name())), p.name());
            assertEquals(classifier.isDefined(p), loaded.isDefined(loaded.getParam(p.name())), p.name());
            if (classifier.isDefined(p)) {
                assertEquals(p.jsonEncode(classifier.getOrDefault(p)),
                        p.jsonEncode(loaded.getOrDefault(loaded.getParam(p.name()))), p.name());
            }
        }
        assertArrayEquals(new int[] {1, 28, 28}, loaded.getOrDefault(loaded.inputShape()));
        IllegalArgumentException wrongClass =
                assertThrows(IllegalArgumentException.class, () -> PhalanxClassificationModel.load(path));
        assertTrue(wrongClass.getMessage().contains("PhalanxClassifier"), wrongClass.getMessage());
    }

    @Test
    void validationAndEarlyStoppingComeWithTheModelAndThroughSaveAndLoad(@TempDir Path dir) throws IOException {
        PhalanxClassificationModel validated = new PhalanxClassifier().setWorkers(2).setEpochs(5).setBatchSize(32)
                .setLearningRate(0.1).setSeed(3).setValidationFraction(0.2).setEarlyStoppingPatience(1)
                .setEarlyStoppingMinDelta(100).fit(train);
        // Nothing beats the first validation by 100: stopped after the second, with epoch 1's parameters.
        assertEquals(2, validated.validations().size());
        assertEquals(2, validated.history().size(), "two epochs trained of five");
        List<Row> frame = validated.validationFrame().collectAsList();
        assertEquals(2, frame.size());
        assertEquals(validated.validations().get(1).evaluation().accuracy(),
                frame.get(1).getDouble(frame.get(1).fieldIndex("accuracy")));
        String path = dir.resolve("validated").toString();
        validated.write().save(path);
        PhalanxClassificationModel loaded = PhalanxClassificationModel.load(path);
        assertEquals(validated.validations(), loaded.validations());
    }

    @Test
    void badInputIsNamedBeforeAnyTraining() {
        InvalidDataException missing = assertThrows(InvalidDataException.class,
                () -> new PhalanxClassifier().setFeaturesCol("pixels").fit(train));
        assertTrue(missing.getMessage().contains("'pixels'"), missing.getMessage());
        IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
                () -> model.transform(test.withColumn("prediction", functions.lit(1.0))));
        assertTrue(clash.getMessage().contains("'prediction' already exists"), clash.getMessage());
        IllegalArgumentException gpus = assertThrows(IllegalArgumentException.class,
                () -> new PhalanxClassifier().setGpusPerWorker(1).fit(train));
        assertTrue(gpus.getMessage().contains("spark.executor.resource.gpu.amount"), gpus.getMessage());
        IllegalArgumentException badValue = assertThrows(IllegalArgumentException.class,
                () -> new PhalanxClassifier().setEpochs(0));
        assertTrue(badValue.getMessage().contains("epochs"), badValue.getMessage());
    }

    @Test
    void aBadRowAtScoringTimeNamesTheColumnAndRow() {
        Dataset<Row> shortRows = test.limit(5).withColumn("features",
                functions.slice(functions.col("features"), 1, 3));
        Exception error = assertThrows(Exception.class, () -> model.transform(shortRows).collect());
        Throwable cause = error;
        while (!(cause instanceof InvalidDataException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause.getMessage().contains("column 'features', row 0: has 3 values; expected 8"),
                String.valueOf(cause.getMessage()));
    }

    private static List<Row> ordered(Dataset<Row> scored) {
        return scored.orderBy(functions.col("features").cast("string")).collectAsList();
    }

    private static double accuracy(Dataset<Row> scored) {
        return scored.where(functions.col("prediction").equalTo(functions.col("label"))).count()
                / (double) scored.count();
    }

    private static double sum(Vector vector) {
        double total = 0;
        for (int i = 0; i < vector.size(); i++) {
            total += vector.apply(i);
        }
        return total;
    }
}
