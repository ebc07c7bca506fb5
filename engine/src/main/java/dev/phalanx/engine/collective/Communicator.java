package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;

/**
 * Collective operations among the {@link #worldSize()} ranks of one training job.
 *
 * <p>Lockstep contract: every rank calls the same operations, in the same order, with buffers of
 * the same length and, for an all-reduce, the same {@link ReduceOp} and {@link WirePrecision}. A
 * rank that breaks it (another length, op or precision, or an all-gather while the others
 * all-reduce) is caught on that call's first message: every rank's call fails promptly, not at the
 * timeout, with a {@link CollectiveException} that names the two neighbouring ranks (and addresses)
 * whose calls differ and both calls, e.g. "rank 0 at host:port called allReduce of 777 floats (SUM,
 * FLOAT32 on the wire) but rank 1 at host:port called allReduce of 779 floats (...)". Nothing is
 * reduced, so no rank is left holding a silently wrong result. (Calls that agree in all of these
 * but pass different data are not detectable and are the caller's business.)
 *
 * <p>Every call blocks for at most the communicator's timeout and then fails with a {@link
 * CollectiveException} naming the peer that went silent. After any failure the communicator is
 * unusable and must be closed.
 */
public interface Communicator extends AutoCloseable {

    /** Returns this process's rank, from 0 to {@code worldSize() - 1}. */
    int rank();

    /** Returns the number of ranks. */
    int worldSize();

    /**
     * Replaces {@code data[offset, offset + length)} on every rank by the combination of that range
     * over all ranks.
     */
    void allReduce(float[] data, int offset, int length, ReduceOp op);

    /** Same as {@link #allReduce(float[], int, int, ReduceOp)} over the whole array. */
    default void allReduce(float[] data, ReduceOp op) {
        allReduce(data, 0, data.length, op);
    }

    /**
     * Replaces the floats in {@code floats} (a direct buffer of native-order float32, position to
     * limit) on every rank by their combination over all ranks. The fast path: no copies on the
     * way to and from the network.
     */
    default void allReduce(ByteBuffer floats, ReduceOp op) {
        allReduce(floats, op, WirePrecision.FLOAT32);
    }

    /**
     * As {@link #allReduce(ByteBuffer, ReduceOp)}, with the values travelling between ranks in
     * {@code wire} precision; every rank still ends with the same result.
     */
    void allReduce(ByteBuffer floats, ReduceOp op, WirePrecision wire);

    /**
     * Returns the slice of a buffer of {@code length} floats that this rank holds combined after
     * {@link #reduceScatter}: one of {@link #worldSize()} near-equal consecutive parts, a different
     * one on every rank, together the whole buffer.
     */
    Slice ownedSlice(int length);

    /**
     * The first half of an all-reduce: afterwards this rank's {@link #ownedSlice} of {@code floats}
     * (a direct buffer of native-order float32, position to limit) holds the combination of that
     * slice over all ranks, bit-identical to what the same {@link #allReduce} would leave there when
     * it takes the ring (buffers above the small-message threshold); the rest of the buffer is left
     * in an unspecified state. Sends {@code (W-1)/W} of the buffer.
     */
    void reduceScatter(ByteBuffer floats, ReduceOp op, WirePrecision wire);

    /**
     * The second half of an all-reduce: every rank's {@link #ownedSlice} of {@code floats} (a direct
     * buffer of native-order float32, position to limit) is copied, exactly, into the same place on
     * every other rank. Sends {@code (W-1)/W} of the buffer.
     */
    void allGatherSlices(ByteBuffer floats);

    /**
     * As {@link #allReduce(ByteBuffer, ReduceOp, WirePrecision)} on a buffer that may live on a
     * device. This transport works on host memory: it stages the values through the buffer's host
     * copy (one device-to-host copy) and leaves the result there. With one rank and float32 on the wire
     * the result is the values themselves, so nothing is copied and values computed on a device stay
     * there (another wire precision rounds them as they would travel, on the host).
     */
    default void allReduce(DeviceBuffer buffer, ReduceOp op, WirePrecision wire) {
        if (worldSize() == 1 && wire == WirePrecision.FLOAT32) {
            return;
        }
        allReduce(buffer.onHost(), op, wire);
        buffer.writtenOnHost();
    }

    /**
     * As {@link #reduceScatter(ByteBuffer, ReduceOp, WirePrecision)} on a buffer that may live on a
     * device, staged through its host copy as {@link #allReduce(DeviceBuffer, ReduceOp, WirePrecision)}
     * is; with one rank and float32 on the wire nothing is copied.
     */
    default void reduceScatter(DeviceBuffer buffer, ReduceOp op, WirePrecision wire) {
        if (worldSize() == 1 && wire == WirePrecision.FLOAT32) {
            return;
        }
        reduceScatter(buffer.onHost(), op, wire);
        buffer.writtenOnHost();
    }

    /**
     * Returns every rank's {@code payload}, indexed by rank. Payloads may differ in length.
     */
    byte[][] allGather(byte[] payload);

    /** Returns once every rank has called it. */
    default void barrier() {
        allGather(new byte[0]);
    }

    /** Releases sockets and threads; never throws. */
    @Override
    void close();
}
