package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.models.InputSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** Bad input fails before training with a message naming the column or setting (real local Spark). */
class PreflightTest {

    private static final InputSpec INPUT = new InputSpec(new long[] {20}, 4);

    private static TrainingOptions options() {
        return new TrainingOptions("mlp", INPUT).optBatchSize(8).optSlotWaitTimeout(Duration.ZERO);
    }

    @Test
    void missingColumnsAreNamed() {
        Dataset<Row> data = SyntheticData.classification(64, 20, 4, 1);
        InvalidDataException features = assertThrows(InvalidDataException.class,
                () -> Phalanx.fit(data, options().optFeaturesCol("pixels")));
        assertTrue(features.getMessage().startsWith("features column 'pixels' not found"), features.getMessage());
        InvalidDataException label = assertThrows(InvalidDataException.class,
                () -> Phalanx.fit(data, options().optLabelCol("target")));
        assertTrue(label.getMessage().startsWith("label column 'target' not found"), label.getMessage());
    }

    @Test
    void wrongColumnTypesAreNamed() {
        StructType schema = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.StringType);
        Dataset<Row> strings = SparkTestSession.get().createDataFrame(List.of(RowFactory.create("a", "b")), schema);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> Phalanx.fit(strings, options()));
        assertEquals("features column 'features' has type string; expected an array of numbers, an ML Vector or encoded image bytes",
                e.getMessage());
    }

    @Test
    void moreWorkersThanTaskSlotsIsRefusedNamingWorkers() {
        Dataset<Row> data = SyntheticData.classification(64, 20, 4, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(data, options().optWorkers(4)));
        assertTrue(e.getMessage().startsWith("workers = 4 but Spark master 'local[3]' offers 3 concurrent task slots"),
                e.getMessage());
    }

    @Test
    void aGpuJobOnLocalModeFailsAtOnceBeforeAnySparkJobNamingTheSettings() throws Exception {
        Dataset<Row> data = SyntheticData.classification(64, 20, 4, 1);
        SparkContext sc = data.sparkSession().sparkContext();
        AtomicInteger jobs = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                jobs.incrementAndGet();
            }
        };
        sc.addSparkListener(counter);
        try {
            long start = System.nanoTime();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Phalanx.fit(data, options().optWorkers(2).optGpusPerWorker(1)
                            .optSlotWaitTimeout(Duration.ofMinutes(5))));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertTrue(e.getMessage().startsWith("gpus_per_worker = 1 but Spark master 'local[3]' cannot offer GPUs"),
                    e.getMessage());
            assertTrue(e.getMessage().contains("spark.executor.resource.gpu.amount"), e.getMessage());
            assertTrue(seconds < 5, "took " + seconds + " s");
            // Scala's private[spark] is public in bytecode: drain the listener bus before counting.
            sc.listenerBus().waitUntilEmpty();
            assertEquals(0, jobs.get(), "Spark jobs started before the GPU preflight failed");
        } finally {
            sc.removeSparkListener(counter);
        }
    }

    @Test
    void badSettingsAreNamedByTheirKey() {
        Dataset<Row> data = SyntheticData.classification(64, 20, 4, 1);
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(data, options().optWorkers(2).optBatchSize(7)));
        assertTrue(batch.getMessage().startsWith("batch_size (7) must be a multiple of workers (2)"), batch.getMessage());
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(data, new TrainingOptions("resnet9000", INPUT)));
        assertTrue(model.getMessage().startsWith("model 'resnet9000' is unknown; known models: mlp, cnn"),
                model.getMessage());
        IllegalArgumentException compression = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(data, options().optGradientCompression("fp8")));
        assertEquals("gradient_compression 'fp8' is unknown; expected none or bf16", compression.getMessage());
        IllegalArgumentException threads = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(data, options().optThreadsPerWorker(-1)));
        assertEquals("threads_per_worker must be 0 (the task's CPUs) or a positive number of threads, got -1",
                threads.getMessage());
    }

    @Test
    void aBadValueIsReportedWithColumnAndRowBeforeTraining() {
        StructType schema = SyntheticData.schema();
        Float[] good = new Float[20];
        java.util.Arrays.fill(good, 0.5f);
        Float[] shortRow = new Float[19];
        java.util.Arrays.fill(shortRow, 0.5f);
        List<Row> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            rows.add(RowFactory.create(i == 33 ? shortRow : good, 1));
        }
        Dataset<Row> data = SparkTestSession.get().createDataFrame(rows, schema).coalesce(1);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> Phalanx.fit(data, options()));
        assertEquals("column 'features', row 33: has 19 values; expected 20", e.getMessage());
    }

    @Test
    void tooLittleDataForOneBatchPerWorkerIsExplained() {
        Dataset<Row> data = SyntheticData.classification(6, 20, 4, 1);
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> Phalanx.fit(data, options()));
        assertTrue(e.getMessage().contains("fewer than one per-worker batch of 4 (batch_size 8 / workers 2)"),
                e.getMessage());
    }
}
