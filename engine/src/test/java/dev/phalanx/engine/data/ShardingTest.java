package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void aRunInterruptedMidEpochStillUsesEverySampleExactlyOnceThatEpoch() {
        // As TrainingLoop does: steps [0, k) before the interruption, then a fresh process
        // recomputes the epoch's order from (seed, epoch, rank) and runs steps [k, stepsPerEpoch).
        int size = 103;
        int localBatch = 8;
        int stepsPerEpoch = size / localBatch;
        for (int interruptedAt = 0; interruptedAt <= stepsPerEpoch; interruptedAt++) {
            int[] visits = new int[size];
            int[] before = EpochOrder.of(size, true, 7, 2, 1);
            for (int step = 0; step < interruptedAt; step++) {
                for (int i = 0; i < localBatch; i++) {
                    visits[before[step * localBatch + i]]++;
                }
            }
            int[] after = EpochOrder.of(size, true, 7, 2, 1);
            for (int step = interruptedAt; step < stepsPerEpoch; step++) {
                for (int i = 0; i < localBatch; i++) {
                    visits[after[step * localBatch + i]]++;
                }
            }
            int used = 0;
            for (int v : visits) {
                assertTrue(v == 0 || v == 1, "a sample was used " + v + " times (interrupted at " + interruptedAt + ")");
                used += v;
            }
            assertEquals(stepsPerEpoch * localBatch, used, "drop-last: all but the remainder are used");
        }
    }
}
