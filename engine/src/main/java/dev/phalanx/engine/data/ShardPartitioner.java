package dev.phalanx.engine.data;

import org.apache.spark.Partitioner;

/**
 * Sends the row at global position {@code i} to worker {@code (i / localBatch) mod W}: consecutive
 * blocks of one local batch go to consecutive workers. So, without shuffling, global batch k of a
 * run with W workers holds exactly the rows of global batch k of a run with one worker, which is
 * what makes W-worker and 1-worker training comparable sample for sample.
 *
 * <p>Positions from {@code trainingRows} on are validation rows: they go round-robin, as their order
 * does not matter (a validation sums over all of them).
 */
public final class ShardPartitioner extends Partitioner {

    private final int workers;
    private final int localBatch;
    private final long trainingRows;

    /** Creates a partitioner into {@code workers} shards of blocks of {@code localBatch} rows, all training. */
    public ShardPartitioner(int workers, int localBatch) {
        this(workers, localBatch, Long.MAX_VALUE);
    }

    /** Creates a partitioner whose positions from {@code trainingRows} on are validation rows. */
    public ShardPartitioner(int workers, int localBatch, long trainingRows) {
        this.workers = workers;
        this.localBatch = localBatch;
        this.trainingRows = trainingRows;
    }

    @Override
    public int numPartitions() {
        return workers;
    }

    @Override
    public int getPartition(Object key) {
        long position = (Long) key;
        return position >= trainingRows ? (int) ((position - trainingRows) % workers)
                : (int) ((position / localBatch) % workers);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ShardPartitioner p && p.workers == workers && p.localBatch == localBatch
                && p.trainingRows == trainingRows;
    }

    @Override
    public int hashCode() {
        return (31 * workers + localBatch) * 31 + Long.hashCode(trainingRows);
    }
}
