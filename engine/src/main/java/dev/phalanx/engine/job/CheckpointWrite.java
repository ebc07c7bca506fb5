package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * One checkpoint a worker finished writing (rank 0's, or rank 0's slice when sharded): the step it
 * holds and how long writing and committing it took, off the training thread.
 *
 * @param step the global step the checkpoint holds
 * @param seconds how long the write took, from the writer taking it to its commit
 */
public record CheckpointWrite(long step, double seconds) implements Serializable {}
