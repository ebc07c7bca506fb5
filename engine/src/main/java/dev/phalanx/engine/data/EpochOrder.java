package dev.phalanx.engine.data;

import java.util.SplittableRandom;

/**
 * The order in which a worker visits its shard in one epoch: the identity when not shuffling, else
 * a permutation that depends only on (seed, epoch, rank), so a rerun or a resumed run visits the
 * samples in exactly the same order.
 */
public final class EpochOrder {

    private EpochOrder() {}

    /** Returns the visiting order of {@code size} samples for the given epoch and rank. */
    public static int[] of(int size, boolean shuffle, long seed, int epoch, int rank) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        if (shuffle) {
            // SplittableRandom mixes its state on output, so nearby (seed, epoch, rank) triples
            // still give unrelated orders; the odd multipliers keep the triples apart.
            SplittableRandom random = new SplittableRandom(
                    seed + 0x9E3779B97F4A7C15L * (epoch + 1) + 0xC2B2AE3D27D4EB4FL * (rank + 1));
            for (int i = size - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
        return order;
    }
}
