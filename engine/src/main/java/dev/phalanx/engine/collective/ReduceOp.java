package dev.phalanx.engine.collective;

/** How an all-reduce combines the ranks' buffers. */
public enum ReduceOp {
    /** Element-wise sum over all ranks. */
    SUM,
    /** Element-wise mean over all ranks: the sum divided by the world size. */
    AVG
}
