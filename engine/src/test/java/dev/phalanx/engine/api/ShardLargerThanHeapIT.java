package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.ShardPlacements;
import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.models.InputSpec;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Shards that together are larger than the JVM's heap train. Failsafe runs the tests tagged
 * {@code small-heap} in their own JVM with {@code -Xmx512m} (see engine/pom.xml); in local[3] that heap is the executor's. The 600
 * MiB of rows are made on the executors by Spark SQL, so the driver never holds them, and each of
 * the two workers may keep 16 MiB of its ~300 MiB shard in memory.
 */
@Tag("small-heap")
class ShardLargerThanHeapIT {

    private static final int FEATURES = 784;
    private static final int ROWS = 200_000;
    private static final int WORKERS = 2;
    private static final long BUDGET = 16L << 20;

    @Test
    void shardsLargerThanTheHeapTrainFromTheSpillFiles() {
        long heap = Runtime.getRuntime().maxMemory();
        long shardBytes = (long) ROWS * (FEATURES + 1) * Float.BYTES;
        assertTrue(shardBytes > heap * 1.1, "the shards (" + (shardBytes >> 20) + " MiB) must exceed the heap ("
                + (heap >> 20) + " MiB): run with -Xmx512m as engine/pom.xml does");
        // Feature i of row id is a fixed hash in [0, 1); the label is id mod 10.
        Dataset<Row> data = SparkTestSession.get().range(0, ROWS, 1, WORKERS).select(
                functions.expr("transform(sequence(0, " + (FEATURES - 1) + "), i -> cast(((id * 31 + i * 17) % 101) / 101.0"
                        + " as float))").as("features"),
                functions.col("id").mod(10).cast("int").as("label"));
        TrainingOptions options = new TrainingOptions("mlp", new InputSpec(new long[] {FEATURES}, 10))
                .optWorkers(WORKERS).optBatchSize(512).optEpochs(1).optLearningRate(0.01).optSeed(1)
                .optLogEverySteps(0).optShardMemoryBudget(BUDGET);
        long start = System.nanoTime();
        TrainedModel model;
        List<ShardPlacements.Placement> placements;
        try (ShardPlacements capture = ShardPlacements.capture()) {
            model = Phalanx.fit(data, options);
            placements = capture.take();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        placements.forEach(p -> System.out.println("shard placement: " + p.line()));
        System.out.printf("larger-than-heap: heap %d MiB, shards %d MiB, %d steps, fit %.1f s, loss %.4f%n",
                heap >> 20, shardBytes >> 20, model.steps(), seconds, model.history().get(0).loss());

        assertEquals(List.of("rank-0", "rank-1"), placements.stream().map(ShardPlacements.Placement::name).toList());
        // Blocks of 256 rows alternate between the ranks; rank 1 gets the short last block of 64.
        assertEquals(List.of(100_096, 99_904), placements.stream().map(ShardPlacements.Placement::samples).toList());
        for (ShardPlacements.Placement p : placements) {
            assertEquals(p.samples(), p.inMemory() + p.spilled(), p.line());
            assertTrue(p.spilled() > 0.9 * p.samples(), "most samples spilled: " + p.line());
        }
        assertEquals(99_904 / 256, model.steps());
        assertTrue(Double.isFinite(model.history().get(0).loss()), "loss " + model.history().get(0).loss());
    }
}
