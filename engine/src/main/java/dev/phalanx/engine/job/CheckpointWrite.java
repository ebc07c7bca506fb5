package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * One checkpoint a worker finished writing (rank 0's, or rank 0's slice when sharded): the step it
 * holds, how long writing and committing it took, off the training thread, and how long training
 * paused for it.
 *
 * @param step the global step the checkpoint holds
 * @param seconds how long the write took, from the writer taking it to its commit
 * @param pauseSeconds how long the training thread waited to hand it over: copying the state, and
 *     waiting for the previous write when that had not finished; 0 when not measured
 */
public record CheckpointWrite(long step, double seconds, double pauseSeconds) implements Serializable {}
