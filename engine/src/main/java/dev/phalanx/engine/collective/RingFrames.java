package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The frames both ring transports exchange, and the description of the collective call that every
 * data frame carries.
 *
 * <p>Every frame starts with a 24-byte little-endian header:
 *
 * <pre>
 * data:  int seq (&gt;= 0) | int payload bytes | long call                | long 0
 * abort: int -1          | int suspect rank  | long the suspect's call  | long the next rank's call
 * </pre>
 *
 * <p>A data frame's payload follows its header. {@code call} says which collective call the message
 * belongs to ({@link #allReduce}, {@link #reduceScatter}, {@link #allGatherSlices}, {@link
 * #ALL_GATHER}). The receiver compares it with its own call
 * before it reads the payload: ranks that call differently (another length, {@link ReduceOp} or
 * {@link WirePrecision}, or another operation) fail on the call's first message with both calls
 * named, instead of combining bytes that mean different things on each side (a SUM on one rank and
 * an AVG on the others used to give every rank a silently different result). The check costs 16
 * bytes per message and no extra round trip.
 *
 * <p>An abort frame tells a neighbour that the ring has failed and which rank is at fault. For a
 * mismatch it carries the two calls that disagree, the suspect's and that of the rank after it
 * (which noticed), so that every rank's error names both; for any other failure both are 0.
 */
final class RingFrames {

    /** Bytes of every frame header, data or abort. */
    static final int HEADER_BYTES = 24;
    /** The sequence number that marks an abort frame. */
    static final int ABORT = -1;

    private static final int KIND_ALL_REDUCE = 1;
    private static final int KIND_ALL_GATHER = 2;
    private static final int KIND_REDUCE_SCATTER = 3;
    private static final int KIND_ALL_GATHER_SLICES = 4;

    /** The call of an all-gather (and so of a barrier): payload lengths may differ, so only the kind is compared. */
    static final long ALL_GATHER = (long) KIND_ALL_GATHER << 48;

    private RingFrames() {}

    /**
     * Describes an all-reduce of {@code length} floats: the kind in bits 48-55, the wire precision
     * in bits 40-47, the op in bits 32-39 and the length in the low 32 bits. Never 0.
     */
    static long allReduce(int length, ReduceOp op, WirePrecision wire) {
        return call(KIND_ALL_REDUCE, length, op, wire);
    }

    /** Describes a reduce-scatter of {@code length} floats, encoded as {@link #allReduce} is. */
    static long reduceScatter(int length, ReduceOp op, WirePrecision wire) {
        return call(KIND_REDUCE_SCATTER, length, op, wire);
    }

    /** Describes an all-gather of the slices of {@code length} floats (exact, no op). */
    static long allGatherSlices(int length) {
        return call(KIND_ALL_GATHER_SLICES, length, ReduceOp.SUM, WirePrecision.FLOAT32);
    }

    private static long call(int kind, int length, ReduceOp op, WirePrecision wire) {
        return (long) kind << 48 | (long) wire.ordinal() << 40 | (long) op.ordinal() << 32 | (length & 0xFFFF_FFFFL);
    }

    /** Returns {@code call} in words, as error messages show it. */
    static String describe(long call) {
        int kind = (int) (call >>> 48);
        if (kind == KIND_ALL_GATHER && call == ALL_GATHER) {
            return "allGather (or barrier)";
        }
        int op = (int) (call >>> 32) & 0xFF;
        int wire = (int) (call >>> 40) & 0xFF;
        boolean known = op < ReduceOp.values().length && wire < WirePrecision.values().length;
        if ((kind == KIND_ALL_REDUCE || kind == KIND_REDUCE_SCATTER) && known) {
            return (kind == KIND_ALL_REDUCE ? "allReduce" : "reduceScatter") + " of " + (call & 0xFFFF_FFFFL)
                    + " floats (" + ReduceOp.values()[op] + ", " + WirePrecision.values()[wire] + " on the wire)";
        }
        if (kind == KIND_ALL_GATHER_SLICES) {
            return "allGatherSlices of " + (call & 0xFFFF_FFFFL) + " floats";
        }
        return "an unknown call (0x" + Long.toHexString(call) + ")";
    }

    /** Writes a data frame's header into {@code header} from its position. */
    static ByteBuffer putData(ByteBuffer header, int seq, int payloadBytes, long call) {
        return header.putInt(seq).putInt(payloadBytes).putLong(call).putLong(0);
    }

    /** Returns a fresh little-endian buffer for one header. */
    static ByteBuffer header() {
        return ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * What an abort frame says.
     *
     * @param rank the rank at fault, as far as the rank that noticed can tell
     * @param call for a mismatch, the call {@code rank} made; else 0
     * @param nextCall for a mismatch, the call the rank after {@code rank} made; else 0
     */
    record Abort(int rank, long call, long nextCall) {

        /** An abort for a failure other than a mismatch. */
        static Abort failed(int rank) {
            return new Abort(rank, 0, 0);
        }

        /** Reads an abort frame's fields from {@code header} (absolute positions, little-endian). */
        static Abort read(ByteBuffer header) {
            return new Abort(header.getInt(4), header.getLong(8), header.getLong(16));
        }

        /** Returns the frame, flipped for writing. */
        ByteBuffer frame() {
            return header().putInt(ABORT).putInt(rank).putLong(call).putLong(nextCall).flip();
        }

        /** True when the abort is for two neighbours that called different collectives. */
        boolean mismatch() {
            return call != nextCall;
        }

        /** Says what failed, naming ranks by their address. */
        String describe(String[] addresses) {
            if (!mismatch()) {
                return name(rank, addresses) + " failed";
            }
            return name(rank, addresses) + " called " + RingFrames.describe(call) + " but "
                    + name((rank + 1) % addresses.length, addresses) + " called " + RingFrames.describe(nextCall)
                    + "; every rank must make the same collective calls in the same order";
        }

        private static String name(int rank, String[] addresses) {
            return rank >= 0 && rank < addresses.length ? "rank " + rank + " at " + addresses[rank]
                    : "rank " + rank + " (not in this ring)";
        }
    }
}
