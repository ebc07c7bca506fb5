package dev.phalanx.engine.data;

import java.nio.FloatBuffer;

/**
 * The local batches of one worker: step {@code k} of an epoch takes the samples at positions
 * {@code [k·b, (k+1)·b)} of that epoch's {@link EpochOrder}, where b is the local batch size. An
 * epoch has as many steps as every worker can fill, so the samples past the last step's batch in
 * a worker's order are not used that epoch (drop-last); with shuffling they differ every epoch.
 */
public final class EpochBatches {

    private final ShardStore shard;
    private final int localBatch;
    private final boolean shuffle;
    private final long seed;
    private final int rank;
    private int epoch = -1;
    private int[] order;

    /** Creates the batches of worker {@code rank}'s shard. */
    public EpochBatches(ShardStore shard, int localBatch, boolean shuffle, long seed, int rank) {
        this.shard = shard;
        this.localBatch = localBatch;
        this.shuffle = shuffle;
        this.seed = seed;
        this.rank = rank;
    }

    /** Returns how many steps an epoch has when the smallest of the workers' shards holds {@code smallestShard} samples. */
    public static int stepsPerEpoch(int smallestShard, int localBatch) {
        return smallestShard / localBatch;
    }

    /**
     * Writes the batch of {@code step} (0-based within the epoch) of {@code epoch} into the outputs,
     * as {@link ShardStore#gather} does.
     */
    public void gather(int epoch, int step, FloatBuffer featuresOut, long[] labelsOut) {
        if (epoch != this.epoch) {
            order = EpochOrder.of(shard.size(), shuffle, seed, epoch, rank);
            this.epoch = epoch;
        }
        shard.gather(order, step * localBatch, localBatch, featuresOut, labelsOut);
    }
}
