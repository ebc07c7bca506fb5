package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counts sample ids across an epoch, on real Spark: the real sharding, each worker's real shard
 * store (with a budget of 10 samples, so most are read back from the spill file) and the batches
 * the training loop takes. The feature 0 of row i is i, so each gathered batch says which samples
 * it holds. 103 rows, W = 2, local batch 4: rank 0 holds 52 rows and rank 1 holds 51, so an epoch
 * has 12 steps and the remainder policy (README, "Epochs and the remainder") drops 4 + 3 samples.
 */
class SampleAccountingTest {

    private static final int WORKERS = 2;
    private static final int LOCAL_BATCH = 4;
    private static final int ROWS = 103;
    private static final int CLASSES = 5;
    private static final long SEED = 17;
    private static final ColumnSpec COLUMNS = new ColumnSpec("features", "label", 2, CLASSES);
    private static final long BUDGET = 10L * (COLUMNS.featureLength() + 1) * Float.BYTES;

    @TempDir
    static Path spillDir;

    private static JavaRDD<LabeledSample> shards() {
        Dataset<Row> data = SparkTestSession.get().range(0, ROWS, 1, 3).select(
                functions.array(functions.col("id").cast("float"), functions.lit(0.5f)).as("features"),
                functions.col("id").mod(CLASSES).cast("int").as("label"));
        return Sharding.shard(data, COLUMNS, WORKERS, LOCAL_BATCH).samples();
    }

    /** The ids of rank {@code rank}'s shard in shard order: its rows by global position (ShardPartitioner). */
    private static List<Integer> shardIds(int rank) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < ROWS; i++) {
            if ((i / LOCAL_BATCH) % WORKERS == rank) {
                ids.add(i);
            }
        }
        return ids;
    }

    /** Runs one epoch's batches on every rank and returns the ids each rank used, as {rank, id} pairs. */
    private static List<int[]> usedInEpoch(JavaRDD<LabeledSample> shards, int steps, boolean shuffle, int epoch) {
        String dir = spillDir.toString();
        return shards.mapPartitionsWithIndex((rank, samples) -> {
            List<int[]> used = new ArrayList<>();
            try (ShardStore store = ShardStore.fill(samples, 2, BUDGET, Path.of(dir), "rank-" + rank)) {
                if (store.spilled() <= store.inMemory()) {
                    throw new IllegalStateException("expected most samples spilled: " + store.spilled());
                }
                EpochBatches batches = new EpochBatches(store, LOCAL_BATCH, shuffle, SEED, rank);
                FloatBuffer features = FloatBuffer.allocate(LOCAL_BATCH * 2);
                long[] labels = new long[LOCAL_BATCH];
                for (int step = 0; step < steps; step++) {
                    batches.gather(epoch, step, features, labels);
                    for (int i = 0; i < LOCAL_BATCH; i++) {
                        int id = (int) features.get(2 * i);
                        if (labels[i] != id % CLASSES || features.get(2 * i + 1) != 0.5f) {
                            throw new IllegalStateException("sample " + id + " came back with label " + labels[i]);
                        }
                        used.add(new int[] {rank, id});
                    }
                }
            }
            return used.iterator();
        }, false).collect();
    }

    /** Asserts no id is used twice and returns the ids not used. */
    private static Set<Integer> dropped(List<int[]> used) {
        int[] uses = new int[ROWS];
        for (int[] rankAndId : used) {
            uses[rankAndId[1]]++;
        }
        Set<Integer> dropped = new TreeSet<>();
        for (int id = 0; id < ROWS; id++) {
            assertTrue(uses[id] <= 1, "sample " + id + " was used " + uses[id] + " times in one epoch");
            if (uses[id] == 0) {
                dropped.add(id);
            }
        }
        return dropped;
    }

    private static int stepsPerEpoch(JavaRDD<LabeledSample> shards) {
        List<Integer> sizes = shards.mapPartitions(samples -> {
            int n = 0;
            for (; samples.hasNext(); samples.next()) {
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        assertEquals(List.of(52, 51), sizes, "unequal shards: rank 1 holds the short last block");
        // The policy: as many full local batches as the smallest shard holds.
        return 51 / LOCAL_BATCH;
    }

    @Test
    void withoutShufflingEachEpochDropsTheLastRowsOfEachShard() {
        JavaRDD<LabeledSample> shards = shards();
        int steps = stepsPerEpoch(shards);
        List<int[]> used = usedInEpoch(shards, steps, false, 1);
        assertEquals(WORKERS * steps * LOCAL_BATCH, used.size());
        // Rank 0's last 4 rows (block 24) and rank 1's last 3 (the short block 25).
        assertEquals(Set.of(96, 97, 98, 99, 100, 101, 102), dropped(used));
        for (int[] rankAndId : used) {
            assertEquals((rankAndId[1] / LOCAL_BATCH) % WORKERS, rankAndId[0], "sample " + rankAndId[1] + " on its rank");
        }
    }

    @Test
    void withShufflingEachRankDropsTheTailOfItsEpochOrderWhichChangesEveryEpoch() {
        JavaRDD<LabeledSample> shards = shards();
        int steps = stepsPerEpoch(shards);
        Set<Integer> previous = null;
        for (int epoch = 1; epoch <= 2; epoch++) {
            List<int[]> used = usedInEpoch(shards, steps, true, epoch);
            assertEquals(WORKERS * steps * LOCAL_BATCH, used.size());
            Set<Integer> expected = new TreeSet<>();
            for (int rank = 0; rank < WORKERS; rank++) {
                List<Integer> ids = shardIds(rank);
                int[] order = EpochOrder.of(ids.size(), true, SEED, epoch, rank);
                for (int j = steps * LOCAL_BATCH; j < order.length; j++) {
                    expected.add(ids.get(order[j]));
                }
            }
            Set<Integer> dropped = dropped(used);
            assertEquals(7, dropped.size());
            assertEquals(expected, dropped, "epoch " + epoch);
            if (previous != null) {
                assertNotEquals(previous, dropped, "shuffling drops other samples in another epoch");
            }
            previous = dropped;
        }
    }
}
