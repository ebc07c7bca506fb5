package dev.phalanx.engine.checkpoint;

/**
 * What a rank hands its {@link AsyncCheckpointWriter}: a whole {@link TrainingState}, which rank 0
 * alone writes, or one rank's {@link ShardedState}, which every rank writes when the optimizer is
 * sharded.
 */
public sealed interface CheckpointSnapshot permits TrainingState, ShardedState {

    /** Returns the steps completed when the snapshot was taken. */
    long globalStep();
}
