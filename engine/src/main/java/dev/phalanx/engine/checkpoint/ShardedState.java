package dev.phalanx.engine.checkpoint;

/**
 * One rank's part of a checkpoint when the optimizer is sharded: its slice of the parameters and
 * the optimizer state it keeps for that slice, which it writes itself, in parallel with the other
 * ranks. Rank 0 also writes what is not sliced (state.json, with early stopping best.bin) and
 * commits the checkpoint once every rank's part is in.
 *
 * @param rank the writing rank
 * @param ranks how many ranks write parts of this checkpoint
 * @param parameterCount the number of parameters of the whole model
 * @param offset where this rank's slice starts in the flat parameter order
 * @param commitTag names the folder all ranks of this attempt write this step's parts into; the same
 *     on every rank, different for another attempt, so a relaunch never mixes parts with a failed one's
 * @param part this rank's slice: its {@code parameters} and {@code optimizer} hold only the slice's
 *     values, its history and validations are every rank's, and {@code best} is set on rank 0 only
 */
public record ShardedState(int rank, int ranks, int parameterCount, int offset, String commitTag, TrainingState part)
        implements CheckpointSnapshot {

    /** Checks the slice. */
    public ShardedState {
        if (rank < 0 || rank >= ranks || offset < 0 || offset + part.parameters().length > parameterCount) {
            throw new IllegalArgumentException("rank " + rank + " of " + ranks + " cannot hold the slice from " + offset
                    + " of " + part.parameters().length + " of " + parameterCount + " parameters");
        }
    }

    @Override
    public long globalStep() {
        return part.globalStep();
    }

    /** Returns the number of values in this rank's slice. */
    public int length() {
        return part.parameters().length;
    }
}
