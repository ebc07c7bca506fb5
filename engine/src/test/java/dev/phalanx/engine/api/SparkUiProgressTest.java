package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.models.InputSpec;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * The Spark UI (and so the History Server's event log) lists a training's epochs as it trains: a
 * real Spark listener on local[2] sees one job per epoch whose description is that epoch's line.
 */
class SparkUiProgressTest {

    @Test
    void everyEpochIsAJobDescribedInTheSparkUi() throws InterruptedException {
        Dataset<Row> data = SyntheticData.classification(16 * 10, 12, 3, 5);
        SparkContext sc = data.sparkSession().sparkContext();
        List<String> descriptions = new CopyOnWriteArrayList<>();
        SparkListener listener = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart start) {
                String description = start.properties().getProperty("spark.job.description");
                if (description != null && description.startsWith("Phalanx epoch")) {
                    descriptions.add(description);
                }
            }
        };
        sc.addSparkListener(listener);
        try {
            Phalanx.fit(data, new TrainingOptions("mlp(hidden=16)", new InputSpec(new long[] {12}, 3)).optWorkers(2)
                    .optBatchSize(16).optEpochs(2));
            // The listener bus delivers asynchronously.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (descriptions.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            sc.removeSparkListener(listener);
        }
        assertEquals(2, descriptions.size(), descriptions.toString());
        assertTrue(descriptions.get(0).matches("Phalanx epoch 1/2 \\(attempt 1\\): loss \\d\\.\\d{4}, train accuracy"
                + " \\d+\\.\\d\\d%, [\\d,]+ samples/s"), descriptions.get(0));
        assertTrue(descriptions.get(1).startsWith("Phalanx epoch 2/2 (attempt 1): loss "), descriptions.get(1));
    }
}
