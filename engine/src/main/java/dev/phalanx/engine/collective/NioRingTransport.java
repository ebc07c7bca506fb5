package dev.phalanx.engine.collective;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.IntFunction;

/**
 * The ring's plain-TCP transport: non-blocking TCP to the next and from the previous rank, driven by one
 * selector on the caller's thread, so sending, receiving and the caller's work on received
 * segments overlap without thread hand-offs.
 *
 * <p>Frames: every message starts with an 8-byte header (sequence number, byte length) so ranks
 * out of lockstep fail clearly. A rank that fails sends an abort frame (sequence -1 and the rank
 * at fault) to both neighbours — backwards on the connection whose data only flows forwards — so
 * every rank's error names the rank that really failed, not just the neighbour that hung up.
 */
final class NioRingTransport implements RingTransport {

    private static final int HEADER_BYTES = 8;
    private static final int ABORT = -1;
    private static final long LINGER_NANOS = 500_000_000L;

    private final int rank;
    private final int nextRank;
    private final int prevRank;
    private final String[] addresses;
    private final SocketChannel next;
    private final SocketChannel prev;
    private final Selector selector;
    private final SelectionKey nextKey;
    private final SelectionKey prevKey;
    private final long timeoutNanos;
    private final ByteBuffer sendHeader = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer recvHeader = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer fromNext = ByteBuffer.allocateDirect(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer[] outgoing = new ByteBuffer[2];
    private boolean nextHungUp;
    private boolean midSend;
    private boolean prevAtHeader;

    NioRingTransport(int rank, int worldSize, RingConnector.Ring ring, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.nextRank = (rank + 1) % worldSize;
        this.prevRank = (rank - 1 + worldSize) % worldSize;
        this.addresses = ring.addresses();
        this.next = ring.next().getChannel();
        this.prev = ring.prev().getChannel();
        this.timeoutNanos = options.timeout().toNanos();
        next.configureBlocking(false);
        prev.configureBlocking(false);
        this.selector = Selector.open();
        try {
            this.nextKey = next.register(selector, SelectionKey.OP_READ);
            this.prevKey = prev.register(selector, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    /**
     * Sends {@code send} (position to limit) to the next rank and receives exactly {@code
     * expectedBytes} from the previous rank into {@code sink}, in segments of {@code segmentBytes},
     * as message {@code seq}.
     */
    @Override
    public void exchange(int seq, ByteBuffer send, int expectedBytes, int segmentBytes, Sink sink) {
        run(seq, send, length -> {
            if (length != expectedBytes) {
                throw fail(prevRank, "message #" + seq + " from rank " + prevRank + " at " + addresses[prevRank]
                        + " has " + length + " bytes, expected " + expectedBytes + " (ranks disagree on buffer sizes)");
            }
            return sink;
        }, segmentBytes);
    }

    /** Sends {@code payload} to the next rank and returns what the previous rank sent, any length. */
    @Override
    public byte[] exchangeBytes(int seq, byte[] payload) {
        ByteBuffer[] received = new ByteBuffer[1];
        run(seq, ByteBuffer.wrap(payload), length -> {
            received[0] = ByteBuffer.allocate(length);
            return RingTransport.into(received[0]);
        }, Integer.MAX_VALUE);
        return received[0].array();
    }

    private void run(int seq, ByteBuffer send, IntFunction<Sink> sinkForLength, int segmentBytes) {
        sendHeader.clear();
        sendHeader.putInt(seq).putInt(send.remaining()).flip();
        outgoing[0] = sendHeader;
        outgoing[1] = send;
        recvHeader.clear();
        Sink sink = null;
        ByteBuffer segment = null;
        int expected = 0;
        int received = 0;
        int segmentLength = 0;
        prevAtHeader = true;
        long deadline = System.nanoTime() + timeoutNanos;
        midSend = false;
        try {
            while (true) {
                boolean progress = false;
                boolean sending = sendHeader.hasRemaining() || send.hasRemaining();
                if (sending) {
                    try {
                        progress |= next.write(outgoing) > 0;
                    } catch (IOException e) {
                        throw fail(nextRank, describe(nextRank) + ": connection lost while sending message #" + seq
                                + ": " + e.getMessage());
                    }
                    sending = sendHeader.hasRemaining() || send.hasRemaining();
                    midSend = sending && sendHeader.position() > 0;
                }
                if (sink == null) {
                    progress |= read(prev, recvHeader, prevRank, seq) > 0;
                    if (!recvHeader.hasRemaining()) {
                        int gotSeq = recvHeader.getInt(0);
                        if (gotSeq == ABORT) {
                            throw abortedBy(recvHeader.getInt(4), prevRank);
                        }
                        if (gotSeq != seq) {
                            throw fail(prevRank, describe(prevRank) + ": got message #" + gotSeq + " but expected #"
                                    + seq + " (ranks are out of lockstep)");
                        }
                        expected = recvHeader.getInt(4);
                        sink = sinkForLength.apply(expected);
                        prevAtHeader = false;
                    }
                }
                while (sink != null && received < expected) {
                    if (segment == null) {
                        segmentLength = Math.min(segmentBytes, expected - received);
                        segment = sink.segment(received, segmentLength);
                    }
                    progress |= read(prev, segment, prevRank, seq) > 0;
                    if (segment.hasRemaining()) {
                        break;
                    }
                    sink.filled(received, segmentLength);
                    received += segmentLength;
                    segment = null;
                }
                boolean receiving = sink == null || received < expected;
                if (!sending && !receiving) {
                    return;
                }
                if (progress) {
                    deadline = System.nanoTime() + timeoutNanos;
                    continue;
                }
                waitForIo(sending, receiving, deadline, seq);
            }
        } finally {
            outgoing[1] = null;
        }
    }

    private void waitForIo(boolean sending, boolean receiving, long deadline, int seq) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            int silent = receiving ? prevRank : nextRank;
            throw fail(silent, describe(silent) + ": peer silent for " + timeoutNanos / 1_000_000 + " ms while "
                    + (receiving ? "receiving" : "sending") + " message #" + seq);
        }
        nextKey.interestOps((nextHungUp ? 0 : SelectionKey.OP_READ) | (sending ? SelectionKey.OP_WRITE : 0));
        prevKey.interestOps(receiving ? SelectionKey.OP_READ : 0);
        try {
            selector.select(Math.max(1, left / 1_000_000));
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": selector failed: " + e, e);
        }
        if (nextKey.isValid() && nextKey.isReadable() && selector.selectedKeys().contains(nextKey)) {
            readFromNext(sending, seq);
        }
        selector.selectedKeys().clear();
    }

    /** The next rank only ever sends abort frames backwards; a hang-up matters only mid-send. */
    private void readFromNext(boolean sending, int seq) {
        int n;
        try {
            n = next.read(fromNext);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            if (sending) {
                throw fail(nextRank, describe(nextRank) + ": peer closed the connection while receiving message #"
                        + seq);
            }
            nextHungUp = true;
            return;
        }
        if (!fromNext.hasRemaining()) {
            throw abortedBy(fromNext.getInt(4), nextRank);
        }
    }

    private int read(SocketChannel channel, ByteBuffer into, int peer, int seq) {
        int n;
        try {
            n = channel.read(into);
        } catch (IOException e) {
            throw fail(peer, describe(peer) + ": connection lost while receiving message #" + seq + ": "
                    + e.getMessage());
        }
        if (n < 0) {
            throw fail(peer, describe(peer) + ": peer closed the connection while receiving message #" + seq);
        }
        return n;
    }

    /**
     * Tells both neighbours at once which rank this one suspects, so ranks further along that are
     * still waiting learn the cause before their own timeouts fire; then waits briefly for a
     * neighbour's abort frame in case the real cause lies elsewhere in the ring.
     */
    private CollectiveException fail(int suspect, String message) {
        sendAbort(suspect);
        Integer reported = lingerForAbort();
        return reported == null ? new CollectiveException("rank " + rank + ": " + message)
                : new CollectiveException("rank " + rank + ": rank " + reported + " at " + addresses[reported]
                        + " failed (reported by a neighbour; here: " + message + ")");
    }

    /**
     * Returns the rank named by an abort frame that arrives within the linger time — backwards from
     * the next rank, or from the previous rank if its stream is at a message boundary — or null.
     */
    private Integer lingerForAbort() {
        long until = System.nanoTime() + LINGER_NANOS;
        try {
            while (System.nanoTime() < until) {
                if (!nextHungUp && next.isOpen()) {
                    if (next.read(fromNext) < 0) {
                        nextHungUp = true;
                    } else if (!fromNext.hasRemaining()) {
                        return fromNext.getInt(4);
                    }
                }
                if (prevAtHeader && prev.isOpen()) {
                    if (prev.read(recvHeader) < 0) {
                        prevAtHeader = false;
                    } else if (!recvHeader.hasRemaining()) {
                        prevAtHeader = false;
                        if (recvHeader.getInt(0) == ABORT) {
                            return recvHeader.getInt(4);
                        }
                    }
                }
                if (nextHungUp && !prevAtHeader) {
                    return null;
                }
                selector.select(10);
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    private CollectiveException abortedBy(int failedRank, int reporter) {
        sendAbort(failedRank);
        return aborted(failedRank, reporter);
    }

    private CollectiveException aborted(int failedRank, int reporter) {
        return new CollectiveException("rank " + rank + ": rank " + failedRank + " at " + addresses[failedRank]
                + " failed (reported by rank " + reporter + ")");
    }

    private void sendAbort(int failedRank) {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(ABORT).putInt(failedRank);
        // Backwards on the incoming connection is always at a frame boundary; forwards only if no
        // message is half-sent, or the abort would be read as data.
        writeQuietly(prev, frame.flip());
        if (!midSend) {
            writeQuietly(next, frame.rewind());
        }
    }

    private static void writeQuietly(SocketChannel channel, ByteBuffer frame) {
        try {
            if (channel.isOpen()) {
                channel.write(frame);
            }
        } catch (IOException e) {
            // Best effort: the neighbour may be the one that is gone.
        }
    }

    private String describe(int peer) {
        return "rank " + rank + " <-> rank " + peer + " at " + addresses[peer];
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException e) {
            // Closing is best effort; the first error matters more.
        }
        try {
            next.close();
        } catch (IOException e) {
            // As above.
        }
        try {
            prev.close();
        } catch (IOException e) {
            // As above.
        }
    }
}
