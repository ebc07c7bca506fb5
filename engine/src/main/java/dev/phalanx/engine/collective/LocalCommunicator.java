package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;

/** The communicator of a world of one: every collective returns at once. */
public final class LocalCommunicator implements Communicator {

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public void allReduce(float[] data, int offset, int length, ReduceOp op) {
        // One rank: the sum and the mean of one buffer are the buffer itself.
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op, WirePrecision wire) {
        // One rank: the sum and the mean of one buffer are the buffer itself, and nothing travels.
    }

    @Override
    public Slice ownedSlice(int length) {
        return new Slice(0, length);
    }

    @Override
    public void reduceScatter(ByteBuffer floats, ReduceOp op, WirePrecision wire) {
        // One rank owns the whole buffer, which is already its own combination.
    }

    @Override
    public void allGatherSlices(ByteBuffer floats) {
        // One rank: its slice is the whole buffer.
    }

    @Override
    public byte[][] allGather(byte[] payload) {
        return new byte[][] {payload.clone()};
    }

    @Override
    public void close() {}
}
