package dev.phalanx.engine.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * All-reduce and friends over a TCP ring.
 *
 * <p>Large buffers: the bandwidth-optimal ring — a reduce-scatter then an all-gather, each of
 * {@code W - 1} steps in which every rank sends one chunk to the next rank while it receives
 * another from the previous one. Each rank sends {@code 2 (W-1)/W} of the buffer in all, whatever
 * W. Chunks are cut into segments: a received segment is reduced while the next ones are still on
 * the wire. Every chunk is summed in the same order on its way round the ring, so all ranks end with
 * bit-identical results.
 *
 * <p>Small buffers (up to {@link CollectiveOptions#smallMessageBytes()}): the ring's 2(W-1) steps
 * are latency, not bandwidth; instead every rank passes whole buffers round the ring in W-1 steps
 * and sums them itself, in rank order, so results stay bit-identical across ranks.
 *
 * <p>Works on direct byte buffers of native-order floats, which the transport sends and receives
 * without extra copies; {@code float[]} callers are served through one staging buffer.
 *
 * <p>With {@link WirePrecision#BFLOAT16} every value is rounded to bfloat16 when it is sent and
 * added in float32 when it arrives. The rank that completes a chunk rounds its own copy the same
 * way before passing it on, and the small-message path rounds each rank's own buffer before the
 * sum, so the ranks still end bit-identical.
 *
 * <p>Every message carries a description of the call it belongs to (length, op, wire precision;
 * {@link RingFrames}), which the receiver checks against its own call before it touches the data:
 * a rank that calls with another length, op or precision makes every rank fail on that call's first
 * message, with both calls named, rather than reducing mismatched buffers.
 */
public final class RingCommunicator implements Communicator {

    private final int rank;
    private final int worldSize;
    private final CollectiveOptions options;
    private final RingTransport transport;
    /** The number of the next message; never negative, as -1 marks an abort frame ({@link RingFrames}). */
    private int sequence;
    private ByteBuffer staging = direct(0);
    private ByteBuffer scratch = direct(0);
    /** The whole buffer as bfloat16, as it goes on the wire: chunks are encoded into it and received into it. */
    private ByteBuffer encoded = direct(0);
    private final BFloat16 bfloat16 = new BFloat16();
    /**
     * Blocks of the reduction: 16 Ki floats, so the two 64 KiB blocks stay in a core's L2 cache
     * while the JIT-vectorised loop adds them (a whole 1 MiB segment per array did not fit).
     */
    private static final int BLOCK_FLOATS = 16 * 1024;

    private final float[] blockA = new float[BLOCK_FLOATS];
    private final float[] blockB = new float[BLOCK_FLOATS];

    private RingCommunicator(int rank, int worldSize, RingTransport transport, CollectiveOptions options) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.transport = transport;
        this.options = options;
    }

    /**
     * Connects rank {@code rank} of {@code worldSize} (at least 2) into a ring.
     *
     * @param host the address this rank listens on and advertises to its peers
     */
    public static RingCommunicator connect(
            int rank, int worldSize, Rendezvous rendezvous, String host, CollectiveOptions options) {
        if (worldSize < 2) {
            throw new IllegalArgumentException("a ring needs at least 2 ranks, got " + worldSize);
        }
        RingConnector.Ring ring = new RingConnector(rank, worldSize, options).connect(rendezvous, host);
        try {
            RingTransport transport = options.tls() == null ? new NioRingTransport(rank, worldSize, ring, options)
                    : new TlsRingTransport(rank, worldSize, ring, options);
            return new RingCommunicator(rank, worldSize, transport, options);
        } catch (IOException | RuntimeException e) {
            ring.close();
            throw new CollectiveException("rank " + rank + ": cannot start the ring transport: " + e, e);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    @Override
    public void allReduce(float[] data, int offset, int length, ReduceOp op) {
        staging = ensure(staging, length * Float.BYTES);
        ByteBuffer bytes = staging.clear().limit(length * Float.BYTES);
        FloatBuffer floats = bytes.asFloatBuffer();
        floats.put(0, data, offset, length);
        allReduce(bytes, op);
        floats.get(0, data, offset, length);
    }

    @Override
    public void allReduce(ByteBuffer floats, ReduceOp op, WirePrecision wire) {
        ByteBuffer bytes = floatBytes(floats);
        int length = bytes.remaining() / Float.BYTES;
        FloatBuffer buffer = bytes.asFloatBuffer();
        // AVG scales while reducing: the small path as it sums, the ring on the one chunk each rank
        // owns after the reduce-scatter, so each rank scales 1/W of the buffer, not all of it.
        float scale = op == ReduceOp.AVG ? 1.0f / worldSize : 1.0f;
        long call = RingFrames.allReduce(length, op, wire);
        if (length * Float.BYTES <= options.smallMessageBytes()) {
            gatherAndSum(call, buffer, length, scale, wire);
        } else {
            // The bandwidth-optimal ring: reduce-scatter, then all-gather.
            reduceScatterPhase(call, bytes, buffer, length, scale, wire);
            allGatherPhase(call, bytes, buffer, length, wire);
        }
    }

    @Override
    public Slice ownedSlice(int length) {
        return Slice.part(length, worldSize, chunkIndex(rank + 1));
    }

    @Override
    public void reduceScatter(ByteBuffer floats, ReduceOp op, WirePrecision wire) {
        ByteBuffer bytes = floatBytes(floats);
        int length = bytes.remaining() / Float.BYTES;
        float scale = op == ReduceOp.AVG ? 1.0f / worldSize : 1.0f;
        // Always the ring's first half, whatever the size: the owned slice then holds exactly what an
        // all-reduce by the ring would leave there.
        reduceScatterPhase(RingFrames.reduceScatter(length, op, wire), bytes, bytes.asFloatBuffer(), length, scale,
                wire);
    }

    @Override
    public void allGatherSlices(ByteBuffer floats) {
        ByteBuffer bytes = floatBytes(floats);
        int length = bytes.remaining() / Float.BYTES;
        allGatherPhase(RingFrames.allGatherSlices(length), bytes, bytes.asFloatBuffer(), length,
                WirePrecision.FLOAT32);
    }

    /** Returns {@code floats} from position to limit as a native-order slice, after checking it fits the ring. */
    private static ByteBuffer floatBytes(ByteBuffer floats) {
        if (!floats.isDirect() || floats.order() != ByteOrder.nativeOrder() || floats.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException("the ring needs a direct buffer of native-order floats");
        }
        return floats.slice().order(ByteOrder.nativeOrder());
    }

    /**
     * The ring's reduce-scatter: afterwards chunk {@code rank + 1} holds the combination over all
     * ranks, scaled and (for bfloat16) rounded as every rank will hold it.
     */
    private void reduceScatterPhase(
            long call, ByteBuffer bytes, FloatBuffer data, int length, float scale, WirePrecision wire) {
        boolean exact = wire == WirePrecision.FLOAT32;
        int segmentBytes = options.segmentBytes();
        scratch = ensure(scratch, segmentBytes);
        if (!exact) {
            encoded = ensure(encoded, length * Short.BYTES);
        }
        FloatBuffer incoming = scratch.duplicate().clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
        // In step s, send chunk (rank - s) and add the received chunk (rank - s - 1) into ours, one
        // cache-sized segment at a time as it lands. After W - 1 steps chunk (rank + 1) holds the sum
        // over all ranks.
        for (int s = 0; s < worldSize - 1; s++) {
            int sendChunk = chunkIndex(rank - s);
            int recvChunk = chunkIndex(rank - s - 1);
            int target = chunkStart(length, recvChunk);
            ByteBuffer send = exact ? chunk(bytes, length, sendChunk) : encode(data, length, sendChunk);
            int expectedBytes = chunkValues(length, recvChunk) * wire.bytesPerValue();
            transport.exchange(nextSequence(), call, send, expectedBytes, segmentBytes,
                    new RingTransport.Sink() {
                        @Override
                        public ByteBuffer segment(int offset, int segmentLength) {
                            return scratch.clear().limit(segmentLength);
                        }

                        @Override
                        public void filled(int offset, int segmentLength) {
                            int index = target + offset / wire.bytesPerValue();
                            int count = segmentLength / wire.bytesPerValue();
                            if (exact) {
                                addInto(data, index, incoming, count);
                            } else {
                                bfloat16.addDecoded(scratch.duplicate().clear(), data, index, count);
                            }
                        }
                    });
        }
        int owned = chunkIndex(rank + 1);
        if (scale != 1.0f) {
            scale(data, chunkStart(length, owned), chunkValues(length, owned), scale);
        }
        if (!exact) {
            // The other ranks will hold this chunk as it travels: hold the same values here.
            bfloat16.decode(encode(data, length, owned), data, chunkStart(length, owned), chunkValues(length, owned));
        }
    }

    /**
     * The ring's all-gather: pass the complete chunks on round the ring, starting with chunk {@code
     * rank + 1}. Exact values are received straight into place; bfloat16 ones into the encoded copy
     * (which {@link #reduceScatterPhase} filled), which is what the next step forwards, and decoded
     * from there as each segment lands.
     */
    private void allGatherPhase(long call, ByteBuffer bytes, FloatBuffer data, int length, WirePrecision wire) {
        boolean exact = wire == WirePrecision.FLOAT32;
        int segmentBytes = options.segmentBytes();
        for (int s = 0; s < worldSize - 1; s++) {
            int sendChunk = chunkIndex(rank + 1 - s);
            int recvChunk = chunkIndex(rank - s);
            int target = chunkStart(length, recvChunk);
            ByteBuffer source = exact ? bytes : encoded;
            RingTransport.Sink into = RingTransport.into(wireChunk(source, length, recvChunk, wire));
            RingTransport.Sink sink = exact ? into : new RingTransport.Sink() {
                @Override
                public ByteBuffer segment(int offset, int segmentLength) {
                    return into.segment(offset, segmentLength);
                }

                @Override
                public void filled(int offset, int segmentLength) {
                    bfloat16.decode(into.segment(offset, segmentLength), data, target + offset / Short.BYTES,
                            segmentLength / Short.BYTES);
                }
            };
            transport.exchange(nextSequence(), call, wireChunk(source, length, sendChunk, wire),
                    chunkValues(length, recvChunk) * wire.bytesPerValue(), segmentBytes, sink);
        }
    }

    /** Encodes chunk {@code c} of {@code data} into its place in the bfloat16 copy and returns that place. */
    private ByteBuffer encode(FloatBuffer data, int length, int c) {
        ByteBuffer place = wireChunk(encoded, length, c, WirePrecision.BFLOAT16);
        bfloat16.encode(data, chunkStart(length, c), chunkValues(length, c), place);
        return place;
    }

    /** Returns chunk {@code c} of {@code source}, a buffer of {@code length} values in {@code wire} precision. */
    private ByteBuffer wireChunk(ByteBuffer source, int length, int c, WirePrecision wire) {
        int start = chunkStart(length, c) * wire.bytesPerValue();
        return source.duplicate().position(start).limit(start + chunkValues(length, c) * wire.bytesPerValue());
    }

    /** The small-message path: pass whole buffers round the ring, then sum in rank order. */
    private void gatherAndSum(long call, FloatBuffer data, int length, float scale, WirePrecision wire) {
        boolean exact = wire == WirePrecision.FLOAT32;
        int bytesPerRank = length * wire.bytesPerValue();
        scratch = ensure(scratch, bytesPerRank * worldSize);
        ByteBuffer all = scratch.clear();
        ByteBuffer own = all.duplicate().position(rank * bytesPerRank).limit((rank + 1) * bytesPerRank).slice();
        if (exact) {
            own.order(ByteOrder.nativeOrder()).asFloatBuffer().put(data.duplicate().clear().limit(length));
        } else {
            bfloat16.encode(data, 0, length, own);
        }
        // Step s forwards the buffer that started at rank (rank - s) and receives rank (rank - s - 1)'s.
        for (int s = 0; s < worldSize - 1; s++) {
            int from = chunkIndex(rank - s);
            int into = chunkIndex(rank - s - 1);
            ByteBuffer send = all.duplicate().position(from * bytesPerRank).limit((from + 1) * bytesPerRank);
            ByteBuffer recv = all.duplicate().position(into * bytesPerRank).limit((into + 1) * bytesPerRank);
            transport.exchange(nextSequence(), call, send, bytesPerRank, Integer.MAX_VALUE, RingTransport.into(recv));
        }
        if (exact) {
            FloatBuffer floats = all.duplicate().clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
            for (int i = 0; i < length; i++) {
                float sum = floats.get(i);
                for (int r = 1; r < worldSize; r++) {
                    sum += floats.get(r * length + i);
                }
                data.put(i, scale == 1.0f ? sum : sum * scale);
            }
        } else {
            // Every rank's own values count as they travelled, so that all ranks sum the same values.
            ShortBuffer halves = all.duplicate().clear().order(ByteOrder.nativeOrder()).asShortBuffer();
            for (int i = 0; i < length; i++) {
                float sum = BFloat16.toFloat(halves.get(i));
                for (int r = 1; r < worldSize; r++) {
                    sum += BFloat16.toFloat(halves.get(r * length + i));
                }
                data.put(i, scale == 1.0f ? sum : sum * scale);
            }
        }
    }

    /** Adds the first {@code count} floats of {@code source} into {@code target} from {@code index}. */
    private void addInto(FloatBuffer target, int index, FloatBuffer source, int count) {
        // Bulk copies into arrays let the JIT vectorise the sum; per-element buffer access would not.
        for (int done = 0; done < count; done += BLOCK_FLOATS) {
            int n = Math.min(BLOCK_FLOATS, count - done);
            target.get(index + done, blockA, 0, n);
            source.get(done, blockB, 0, n);
            for (int i = 0; i < n; i++) {
                blockA[i] += blockB[i];
            }
            target.put(index + done, blockA, 0, n);
        }
    }

    /** Multiplies {@code count} floats of {@code data} from {@code index} by {@code factor}. */
    private void scale(FloatBuffer data, int index, int count, float factor) {
        for (int done = 0; done < count; done += BLOCK_FLOATS) {
            int n = Math.min(BLOCK_FLOATS, count - done);
            data.get(index + done, blockA, 0, n);
            for (int i = 0; i < n; i++) {
                blockA[i] *= factor;
            }
            data.put(index + done, blockA, 0, n);
        }
    }

    @Override
    public byte[][] allGather(byte[] payload) {
        byte[][] result = new byte[worldSize][];
        result[rank] = payload.clone();
        // Step s forwards the payload that originated at rank (rank - s).
        for (int s = 0; s < worldSize - 1; s++) {
            result[chunkIndex(rank - s - 1)] = transport.exchangeBytes(nextSequence(), RingFrames.ALL_GATHER,
                    result[chunkIndex(rank - s)]);
        }
        return result;
    }

    /** Returns the bytes of chunk {@code c} of {@code bytes} as a buffer from its start to its end. */
    private ByteBuffer chunk(ByteBuffer bytes, int length, int c) {
        return wireChunk(bytes, length, c, WirePrecision.FLOAT32);
    }

    private int chunkValues(int length, int c) {
        return chunkStart(length, c + 1) - chunkStart(length, c);
    }

    /** Chunks split {@code length} as evenly as possible; the first {@code length % W} get one more. */
    private int chunkStart(int length, int chunk) {
        return Slice.start(length, worldSize, chunk);
    }

    private int chunkIndex(int i) {
        return Math.floorMod(i, worldSize);
    }

    private static ByteBuffer ensure(ByteBuffer buffer, int bytes) {
        return buffer.capacity() >= bytes ? buffer : direct(bytes);
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Returns the number of the next message and advances it, from {@link Integer#MAX_VALUE} back to
     * 0: every rank numbers its messages alike, and a long run (2(W-1) messages a step at W ranks
     * pass 2^31 within a million steps at W = 1000) never reaches the negative numbers that mark an
     * abort.
     */
    int nextSequence() {
        int next = sequence;
        sequence = next == Integer.MAX_VALUE ? 0 : next + 1;
        return next;
    }

    /** Sets the number of the next message; for tests of the wrap-around. */
    void startSequenceAt(int next) {
        sequence = next;
    }

    @Override
    public void close() {
        transport.close();
    }
}
