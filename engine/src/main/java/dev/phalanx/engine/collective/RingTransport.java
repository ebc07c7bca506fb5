package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;

/**
 * How ring messages travel between a rank and its two neighbours. The ring algorithm sees only
 * this: send a buffer to the next rank while receiving one from the previous rank. Implementations:
 * {@link NioRingTransport} (plain TCP, non-blocking) and {@link TlsRingTransport} (TLS).
 */
interface RingTransport extends AutoCloseable {

    /**
     * Where received bytes go, one segment at a time: a reducing receiver hands out the same small
     * buffer for every segment (it stays in cache while it is reduced), a copying receiver hands
     * out the final destination.
     */
    interface Sink {
        /** Returns the buffer (position to limit, exactly {@code length} bytes) for bytes {@code [offset, offset + length)}. */
        ByteBuffer segment(int offset, int length);

        /** Bytes {@code [offset, offset + length)} have arrived in the buffer {@link #segment} gave. */
        void filled(int offset, int length);
    }

    /** A sink that receives straight into {@code target} and has nothing to do on arrival. */
    static Sink into(ByteBuffer target) {
        int base = target.position();
        return new Sink() {
            @Override
            public ByteBuffer segment(int offset, int length) {
                return target.duplicate().position(base + offset).limit(base + offset + length);
            }

            @Override
            public void filled(int offset, int length) {}
        };
    }

    /**
     * Sends {@code send} (position to limit) to the next rank and receives exactly {@code
     * expectedBytes} from the previous rank into {@code sink}, in segments of {@code segmentBytes},
     * as message {@code seq} of collective call {@code call} ({@link RingFrames}).
     *
     * @throws CollectiveException naming the peer on timeout, disconnect or protocol error; naming
     *     both calls and both ranks when the previous rank's message belongs to another call; and
     *     naming the rank at fault (and both calls, for a mismatch) when a neighbour reports a
     *     failure
     */
    void exchange(int seq, long call, ByteBuffer send, int expectedBytes, int segmentBytes, Sink sink);

    /**
     * Sends {@code payload} to the next rank and returns what the previous rank sent, any length,
     * failing as {@link #exchange} does.
     */
    byte[] exchangeBytes(int seq, long call, byte[] payload);

    /** Closes both connections; never throws. */
    @Override
    void close();
}
