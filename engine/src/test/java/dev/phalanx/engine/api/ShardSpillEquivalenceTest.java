package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.ShardPlacements;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.nio.file.Files;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * Spilling changes where samples live, never what is trained: real Spark (local[3], W = 2), real
 * DJL, two shuffled epochs, once with every sample in memory and once with a budget of 12 samples
 * per worker so most are read back from disk.
 */
class ShardSpillEquivalenceTest {

    // 133 rows in blocks of 8: rank 0 holds 69, rank 1 holds 64 (unequal, as in real data).
    private static final Dataset<Row> DATA = SyntheticData.classification(133, 20, 4, 9);
    private static final long TWELVE_SAMPLES = 12L * (20 + 1) * Float.BYTES;

    private static TrainingOptions options(long budget) {
        return new TrainingOptions("mlp", new InputSpec(new long[] {20}, 4))
                .optWorkers(2).optBatchSize(16).optEpochs(2).optLearningRate(0.1).optSeed(3)
                .optShardMemoryBudget(budget);
    }

    @Test
    void trainingFromSpilledShardsEndsWithBitwiseTheSameParameters() {
        TrainedModel inMemory;
        TrainedModel spilled;
        List<ShardPlacements.Placement> inMemoryPlacements;
        List<ShardPlacements.Placement> spilledPlacements;
        try (ShardPlacements placements = ShardPlacements.capture()) {
            inMemory = Phalanx.fit(DATA, options(TrainingOptions.DEFAULT_SHARD_MEMORY_BUDGET));
            inMemoryPlacements = placements.take();
            spilled = Phalanx.fit(DATA, options(TWELVE_SAMPLES));
            spilledPlacements = placements.take();
        }
        assertEquals(List.of("rank-0: 69 samples, 69 in memory, 0 spilled", "rank-1: 64 samples, 64 in memory, 0 spilled"),
                inMemoryPlacements.stream().map(ShardSpillEquivalenceTest::summary).toList());
        assertEquals(List.of("rank-0: 69 samples, 12 in memory, 57 spilled", "rank-1: 64 samples, 12 in memory, 52 spilled"),
                spilledPlacements.stream().map(ShardSpillEquivalenceTest::summary).toList());
        assertEquals(16, spilled.steps(), "8 steps per epoch, as the smaller shard allows");
        assertArrayEquals(bits(inMemory.parameters()), bits(spilled.parameters()));
        assertTrue(spilled.history().get(1).loss() < spilled.history().get(0).loss(), "it trains");
        assertSpillFilesDeleted(spilledPlacements);
    }

    @Test
    void aFailedWorkerStillDeletesEverySpillFile() {
        List<ShardPlacements.Placement> placements;
        try (ShardPlacements capture = ShardPlacements.capture()) {
            TrainingFailedException failure = assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA,
                    options(TWELVE_SAMPLES).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 3))));
            assertTrue(failure.getMessage().contains("injected fault on rank 1 before step 3"), failure.getMessage());
            placements = capture.take();
        }
        assertEquals(2, placements.size(), placements.toString());
        assertSpillFilesDeleted(placements);
    }

    private static void assertSpillFilesDeleted(List<ShardPlacements.Placement> placements) {
        for (ShardPlacements.Placement p : placements) {
            assertTrue(p.spillFile() != null, p.line());
            assertFalse(Files.exists(p.spillFile()), "left behind: " + p.spillFile());
        }
    }

    private static String summary(ShardPlacements.Placement p) {
        return p.name() + ": " + p.samples() + " samples, " + p.inMemory() + " in memory, " + p.spilled() + " spilled";
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
