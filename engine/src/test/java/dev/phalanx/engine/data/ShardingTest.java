package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShardingTest {

    @Test
    void blocksOfOneLocalBatchGoToConsecutiveWorkers() {
        ShardPartitioner partitioner = new ShardPartitioner(2, 3);
        int[] expected = {0, 0, 0, 1, 1, 1, 0, 0, 0, 1};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], partitioner.getPartition((long) i), "row " + i);
        }
    }

    @Test
    void epochOrderIsAPermutationFixedBySeedEpochAndRank() {
        int[] first = EpochOrder.of(1000, true, 42, 1, 0);
        assertArrayEquals(first, EpochOrder.of(1000, true, 42, 1, 0));
        assertFalse(Arrays.equals(first, EpochOrder.of(1000, true, 42, 2, 0)), "epochs must differ");
        assertFalse(Arrays.equals(first, EpochOrder.of(1000, true, 42, 1, 1)), "ranks must differ");
        int[] sorted = first.clone();
        Arrays.sort(sorted);
        int[] identity = EpochOrder.of(1000, false, 42, 1, 0);
        assertArrayEquals(identity, sorted, "every sample exactly once");
        for (int i = 0; i < identity.length; i++) {
            assertEquals(i, identity[i]);
        }
    }
}
