package dev.phalanx.engine.collective;

import dev.phalanx.engine.collective.RingFrames.Abort;
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
 * <p>Frames ({@link RingFrames}): every message starts with a 24-byte header (sequence number,
 * byte length, the collective call it belongs to) so ranks out of lockstep, or calling with another
 * length, op or wire precision, fail clearly on the first message. A rank that fails sends an abort
 * frame (sequence -1, the rank at fault and, for a mismatch, both calls) to both neighbours —
 * backwards on the connection whose data only flows forwards — so every rank's error names the
 * rank that really failed, or the two calls that disagree, not just the neighbour that hung up.
 */
final class NioRingTransport implements RingTransport {

    private static final int HEADER_BYTES = RingFrames.HEADER_BYTES;
    private static final int ABORT = RingFrames.ABORT;
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

    @Override
    public void exchange(int seq, long call, ByteBuffer send, int expectedBytes, int segmentBytes, Sink sink) {
        run(seq, call, send, length -> {
            if (length != expectedBytes) {
                throw fail(prevRank, "message #" + seq + " from rank " + prevRank + " at " + addresses[prevRank]
                        + " has " + length + " bytes, expected " + expectedBytes + " (ranks disagree on buffer sizes)");
            }
            return sink;
        }, segmentBytes);
    }

    @Override
    public byte[] exchangeBytes(int seq, long call, byte[] payload) {
        ByteBuffer[] received = new ByteBuffer[1];
        run(seq, call, ByteBuffer.wrap(payload), length -> {
            received[0] = ByteBuffer.allocate(length);
            return RingTransport.into(received[0]);
        }, Integer.MAX_VALUE);
        return received[0].array();
    }

    private void run(int seq, long call, ByteBuffer send, IntFunction<Sink> sinkForLength, int segmentBytes) {
        sendHeader.clear();
        RingFrames.putData(sendHeader, seq, send.remaining(), call).flip();
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
                            // An abort frame has no payload: the stream stays at a frame boundary.
                            Abort abort = Abort.read(recvHeader);
                            recvHeader.clear();
                            throw abortedBy(abort, prevRank);
                        }
                        // A data header: its payload follows, so the stream is no longer at a boundary.
                        prevAtHeader = false;
                        if (gotSeq != seq) {
                            throw fail(prevRank, describe(prevRank) + ": got message #" + gotSeq + " but expected #"
                                    + seq + " (ranks are out of lockstep)");
                        }
                        long theirCall = recvHeader.getLong(8);
                        if (theirCall != call) {
                            throw mismatch(theirCall, call);
                        }
                        expected = recvHeader.getInt(4);
                        sink = sinkForLength.apply(expected);
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
            Abort abort = Abort.read(fromNext);
            fromNext.clear();
            throw abortedBy(abort, nextRank);
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
     * neighbour's abort frame in case the real cause lies elsewhere in the ring. A mismatch report
     * that has already arrived is passed on instead of the suspicion: a neighbour that found a
     * mismatch sends its abort frame before it closes the connection, so a connection lost here
     * may be just the echo of that report, waiting to be read.
     */
    private CollectiveException fail(int suspect, String message) {
        Abort arrived = pollForAbort();
        Abort reported;
        if (arrived != null && arrived.mismatch()) {
            sendAbort(arrived);
            reported = arrived;
        } else {
            sendAbort(Abort.failed(suspect));
            reported = linger(arrived);
            if (reported != null && reported != arrived && reported.mismatch()) {
                sendAbort(reported);
            }
        }
        return reported == null ? new CollectiveException("rank " + rank + ": " + message)
                : new CollectiveException("rank " + rank + ": " + reported.describe(addresses)
                        + " (reported by a neighbour; here: " + message + ")");
    }

    /**
     * The previous rank's message belongs to another collective call than this rank's: tells both
     * neighbours, with both calls, so that every rank's error names them, and fails at once. The
     * cause is certain, so there is no lingering for a neighbour's report.
     */
    private CollectiveException mismatch(long theirCall, long ourCall) {
        Abort abort = new Abort(prevRank, theirCall, ourCall);
        sendAbort(abort);
        return new CollectiveException("rank " + rank + ": " + abort.describe(addresses));
    }

    /**
     * A neighbour reported a failure: passes the report on round the ring, unchanged, and fails
     * with it. A plain "rank X failed" may be the echo of a mismatch found elsewhere (a rank whose
     * neighbour closed after a mismatch suspects that neighbour): then waits briefly for the
     * mismatch report, which names the calls, and passes that on too.
     */
    private CollectiveException abortedBy(Abort abort, int reporter) {
        sendAbort(abort);
        Abort reported = abort.mismatch() ? abort : linger(abort);
        if (reported != abort) {
            sendAbort(reported);
            return new CollectiveException("rank " + rank + ": " + reported.describe(addresses)
                    + " (reported by a neighbour)");
        }
        return new CollectiveException("rank " + rank + ": " + abort.describe(addresses) + " (reported by rank "
                + reporter + ")");
    }

    /**
     * Waits up to the linger time for a better report than {@code known}: returns the first
     * mismatch report that arrives (it explains the other failures), else {@code known}, else the
     * first report that arrives, else null. Returns early once both neighbours have hung up.
     */
    private Abort linger(Abort known) {
        long until = System.nanoTime() + LINGER_NANOS;
        Abort best = known;
        try {
            while ((best == null || !best.mismatch()) && System.nanoTime() < until) {
                Abort heard = pollForAbort();
                if (heard != null) {
                    best = best == null || heard.mismatch() ? heard : best;
                    continue;
                }
                if (nextHungUp && !prevAtHeader) {
                    break;
                }
                if (nextKey.isValid()) {
                    nextKey.interestOps(nextHungUp ? 0 : SelectionKey.OP_READ);
                }
                if (prevKey.isValid()) {
                    prevKey.interestOps(prevAtHeader ? SelectionKey.OP_READ : 0);
                }
                selector.select(10);
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            // The selector or a key is unusable: settle for what is known.
        }
        return best;
    }

    /**
     * Returns an abort frame that has already arrived — backwards from the next rank, or from the
     * previous rank if its stream is at a frame boundary — without waiting; else null.
     */
    private Abort pollForAbort() {
        if (!nextHungUp && next.isOpen()) {
            try {
                if (next.read(fromNext) < 0) {
                    nextHungUp = true;
                } else if (!fromNext.hasRemaining()) {
                    Abort abort = Abort.read(fromNext);
                    fromNext.clear();
                    return abort;
                }
            } catch (IOException e) {
                nextHungUp = true;
            }
        }
        if (prevAtHeader && prev.isOpen()) {
            try {
                if (prev.read(recvHeader) < 0) {
                    prevAtHeader = false;
                } else if (!recvHeader.hasRemaining()) {
                    if (recvHeader.getInt(0) != ABORT) {
                        prevAtHeader = false; // a data message: its payload follows
                        return null;
                    }
                    Abort abort = Abort.read(recvHeader);
                    recvHeader.clear();
                    return abort;
                }
            } catch (IOException e) {
                prevAtHeader = false;
            }
        }
        return null;
    }

    private void sendAbort(Abort abort) {
        ByteBuffer frame = abort.frame();
        // Backwards on the incoming connection is always at a frame boundary; forwards only if no
        // message is half-sent, or the abort would be read as data.
        writeQuietly(prev, frame);
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
