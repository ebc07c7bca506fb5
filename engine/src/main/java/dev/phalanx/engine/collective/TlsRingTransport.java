package dev.phalanx.engine.collective;

import dev.phalanx.engine.collective.RingFrames.Abort;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The ring's TLS transport: blocking TLS sockets, sending on a helper thread while the caller
 * receives (if every rank sent first and received second, large messages would fill the socket
 * buffers all round the ring and wait forever). Simpler and slower than {@link NioRingTransport};
 * chosen only when TLS is configured.
 *
 * <p>Frames are those of {@link NioRingTransport} ({@link RingFrames}), so a rank that calls with
 * another length, op or wire precision fails the same way. A rank that fails sends an abort frame
 * backwards to the previous rank and, once the message it is sending is through, forwards to the
 * next. A watcher thread reads the backward direction (which carries nothing but abort frames):
 * when a report arrives it passes it on backwards and wakes the caller, ending its read from the
 * previous rank at the TCP level, so every rank fails promptly naming the rank at fault, or the
 * two calls that disagree, as on plain TCP.
 */
final class TlsRingTransport implements RingTransport {

    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int CLOSE_WAIT_MILLIS = 100;
    private static final long LINGER_MILLIS = 500;

    private final int rank;
    private final int nextRank;
    private final int prevRank;
    private final String[] addresses;
    private final Socket next;
    private final Socket prev;
    private final Socket nextTcp;
    private final Socket prevTcp;
    private final DataOutputStream out;
    private final DataInputStream in;
    /** Abort frames backwards to the previous rank; written by the caller and by the watcher, under its lock. */
    private final OutputStream backwards;
    private final DataInputStream fromNext;
    private final long timeoutMillis;
    private final byte[] sendChunk = new byte[CHUNK_BYTES];
    private final byte[] recvChunk = new byte[CHUNK_BYTES];
    private final ByteBuffer sendHeader = RingFrames.header();
    private final byte[] recvHeader = new byte[RingFrames.HEADER_BYTES];
    private final ExecutorService sender;
    private final Thread watcher;
    /** The abort frame heard from the next rank: the first one, or a mismatch report that came after it. */
    private final AtomicReference<Abort> reported = new AtomicReference<>();
    /** Completed by the watcher's first report. */
    private final CompletableFuture<Abort> abortHeard = new CompletableFuture<>();
    /** Completed by the watcher's first mismatch report. */
    private final CompletableFuture<Abort> mismatchHeard = new CompletableFuture<>();
    private volatile boolean closed;

    TlsRingTransport(int rank, int worldSize, RingConnector.Ring ring, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.nextRank = (rank + 1) % worldSize;
        this.prevRank = (rank - 1 + worldSize) % worldSize;
        this.addresses = ring.addresses();
        this.next = ring.next();
        this.prev = ring.prev();
        this.nextTcp = ring.nextTcp();
        this.prevTcp = ring.prevTcp();
        this.timeoutMillis = options.timeout().toMillis();
        // Only the watcher reads from the next rank, and it waits for an abort frame as long as the
        // ring lives: close() ends that wait.
        next.setSoTimeout(0);
        this.out = new DataOutputStream(new BufferedOutputStream(next.getOutputStream(), CHUNK_BYTES));
        this.in = new DataInputStream(new BufferedInputStream(prev.getInputStream(), CHUNK_BYTES));
        this.backwards = prev.getOutputStream();
        this.fromNext = new DataInputStream(next.getInputStream());
        this.sender = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "phalanx-tls-sender-rank-" + rank);
            thread.setDaemon(true);
            return thread;
        });
        this.watcher = new Thread(this::watch, "phalanx-tls-abort-watcher-rank-" + rank);
        watcher.setDaemon(true);
        watcher.start();
    }

    @Override
    public void exchange(int seq, long call, ByteBuffer send, int expectedBytes, int segmentBytes, Sink sink) {
        CompletableFuture<Void> sending = send(seq, call, send.duplicate());
        int length = readHeader(seq, call);
        if (length != expectedBytes) {
            throw fail(prevRank, describe(prevRank) + ": message #" + seq + " has " + length + " bytes, expected "
                    + expectedBytes + " (ranks disagree on buffer sizes)", null);
        }
        int received = 0;
        while (received < expectedBytes) {
            int segmentLength = Math.min(segmentBytes, expectedBytes - received);
            ByteBuffer segment = sink.segment(received, segmentLength);
            while (segment.hasRemaining()) {
                int n = Math.min(recvChunk.length, segment.remaining());
                readFully(recvChunk, n, seq);
                segment.put(recvChunk, 0, n);
            }
            sink.filled(received, segmentLength);
            received += segmentLength;
        }
        awaitSend(sending, seq);
    }

    @Override
    public byte[] exchangeBytes(int seq, long call, byte[] payload) {
        CompletableFuture<Void> sending = send(seq, call, ByteBuffer.wrap(payload));
        byte[] received = new byte[readHeader(seq, call)];
        readFully(received, received.length, seq);
        awaitSend(sending, seq);
        return received;
    }

    private CompletableFuture<Void> send(int seq, long call, ByteBuffer payload) {
        return CompletableFuture.runAsync(() -> {
            try {
                write(seq, call, payload);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, sender);
    }

    /** Runs on the sender thread only. */
    private void write(int seq, long call, ByteBuffer payload) throws IOException {
        sendHeader.clear();
        RingFrames.putData(sendHeader, seq, payload.remaining(), call);
        out.write(sendHeader.array(), 0, RingFrames.HEADER_BYTES);
        while (payload.hasRemaining()) {
            int n = Math.min(sendChunk.length, payload.remaining());
            payload.get(sendChunk, 0, n);
            out.write(sendChunk, 0, n);
        }
        out.flush();
    }

    /** Reads message {@code seq}'s header and returns its payload length, or fails naming why not. */
    private int readHeader(int seq, long call) {
        try {
            in.readFully(recvHeader);
        } catch (IOException e) {
            throw failure(prevRank, "receiving message #" + seq, e);
        }
        ByteBuffer header = ByteBuffer.wrap(recvHeader).order(ByteOrder.LITTLE_ENDIAN);
        int got = header.getInt(0);
        if (got == RingFrames.ABORT) {
            Abort abort = Abort.read(header);
            sendAbort(abort);
            Abort best = linger(abort);
            if (best != abort) {
                sendAbort(best);
                throw aborted(best, nextRank);
            }
            throw aborted(abort, prevRank);
        }
        if (got != seq) {
            throw fail(prevRank, describe(prevRank) + ": got message #" + got + " but expected #" + seq
                    + " (ranks are out of lockstep)", null);
        }
        long theirCall = header.getLong(8);
        if (theirCall != call) {
            // The cause is certain: tell both neighbours, with both calls, and fail at once.
            Abort abort = new Abort(prevRank, theirCall, call);
            sendAbort(abort);
            throw new CollectiveException("rank " + rank + ": " + abort.describe(addresses));
        }
        return header.getInt(4);
    }

    private void readFully(byte[] into, int length, int seq) {
        try {
            in.readFully(into, 0, length);
        } catch (IOException e) {
            throw failure(prevRank, "receiving message #" + seq, e);
        }
    }

    /** Waits for the send to finish, at most the timeout, or until the next rank reports a failure. */
    private void awaitSend(CompletableFuture<Void> sending, int seq) {
        try {
            CompletableFuture.anyOf(sending, abortHeard).get(timeoutMillis, TimeUnit.MILLISECONDS);
            if (!sending.isDone()) {
                throw aborted(linger(reported.get()), nextRank);
            }
            sending.get();
        } catch (TimeoutException e) {
            sending.cancel(true);
            throw fail(nextRank, describe(nextRank) + ": could not send message #" + seq + " within "
                    + timeoutMillis + " ms (peer stopped reading)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof UncheckedIOException io
                    ? failure(nextRank, "sending message #" + seq, io.getCause())
                    : fail(nextRank, describe(nextRank) + ": send failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted while sending", e);
        }
    }

    private CollectiveException failure(int peer, String what, IOException e) {
        Abort heard = reported.get();
        if (heard != null) {
            // The watcher ended this read or write after the next rank reported a failure.
            return aborted(linger(heard), nextRank);
        }
        if (e instanceof SocketTimeoutException) {
            return fail(peer, describe(peer) + ": peer silent for " + timeoutMillis + " ms while " + what, e);
        }
        if (e instanceof EOFException) {
            return fail(peer, describe(peer) + ": peer closed the connection while " + what, e);
        }
        return fail(peer, describe(peer) + ": connection failed while " + what + ": " + e, e);
    }

    /**
     * Tells both neighbours which rank this one suspects, so ranks further along learn the cause
     * before their own timeouts fire — unless the next rank has already reported a mismatch, which
     * the watcher has passed on — then waits briefly for a report in case the real cause lies
     * elsewhere in the ring.
     */
    private CollectiveException fail(int suspect, String message, Throwable cause) {
        Abort arrived = reported.get();
        if (arrived == null || !arrived.mismatch()) {
            sendAbort(Abort.failed(suspect));
        }
        Abort heard = linger(arrived);
        if (heard != null && heard != arrived && heard.mismatch()) {
            sendAbort(heard);
        }
        return heard == null ? new CollectiveException("rank " + rank + ": " + message, cause)
                : new CollectiveException("rank " + rank + ": " + heard.describe(addresses)
                        + " (reported by a neighbour; here: " + message + ")", cause);
    }

    /**
     * Waits up to the linger time for a better report than {@code known}: returns the first
     * mismatch report the watcher hears (a mismatch explains the other failures: a rank whose
     * neighbour closed after a mismatch suspects that neighbour), else {@code known}, else whatever
     * the watcher has heard by then, else null.
     */
    private Abort linger(Abort known) {
        if (known != null && known.mismatch()) {
            return known;
        }
        try {
            return mismatchHeard.get(LINGER_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // No mismatch reported.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return known != null ? known : reported.get();
    }

    private CollectiveException aborted(Abort abort, int reporter) {
        return new CollectiveException("rank " + rank + ": " + abort.describe(addresses) + " (reported by rank "
                + reporter + ")");
    }

    /**
     * Sends {@code abort} backwards (that direction only ever carries abort frames, so it is always
     * at a frame boundary) and queues it forwards behind the message being sent: it goes out only if
     * that message does, and close() drops it otherwise.
     */
    private void sendAbort(Abort abort) {
        sendBackwards(abort);
        byte[] frame = abort.frame().array();
        try {
            sender.execute(() -> {
                try {
                    out.write(frame);
                    out.flush();
                } catch (IOException e) {
                    // Best effort: the next rank may be the one that is gone.
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed: nothing more goes out.
        }
    }

    private void sendBackwards(Abort abort) {
        synchronized (backwards) {
            try {
                backwards.write(abort.frame().array());
                backwards.flush();
            } catch (IOException e) {
                // Best effort: the previous rank may be the one that is gone.
            }
        }
    }

    /**
     * The watcher: waits for abort frames from the next rank and passes each new one on backwards
     * before anything here can close the connection it travels on; on the first, wakes the caller.
     * After a plain "rank X failed" it keeps listening, since a mismatch report that explains it
     * may follow. Ends when the next rank closes its connection or this transport closes.
     */
    private void watch() {
        byte[] frame = new byte[RingFrames.HEADER_BYTES];
        while (!closed) {
            try {
                fromNext.readFully(frame);
            } catch (IOException e) {
                return; // a hang-up matters only mid-send, and the sender reports that
            }
            ByteBuffer header = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN);
            // The next rank sends nothing else backwards; anything else means it is not working right.
            Abort abort = header.getInt(0) == RingFrames.ABORT ? Abort.read(header) : Abort.failed(nextRank);
            Abort known = reported.get();
            if (closed || known != null && (known.mismatch() || !abort.mismatch())) {
                continue; // nothing new
            }
            reported.set(abort);
            sendBackwards(abort);
            if (abort.mismatch()) {
                mismatchHeard.complete(abort);
            }
            if (known == null) {
                abortHeard.complete(abort);
                // The caller may be waiting for the previous rank, which may wait for this one: end
                // that read at the TCP level (a TLS close would wait for the reader's lock). The
                // communicator is unusable after a failure anyway.
                try {
                    prevTcp.shutdownInput();
                } catch (IOException e) {
                    // Already shut or closed: the caller is not reading.
                }
            }
        }
    }

    private String describe(int peer) {
        return "rank " + rank + " <-> rank " + peer + " at " + addresses[peer];
    }

    @Override
    public void close() {
        closed = true;
        sender.shutdownNow();
        // End the watcher's read at the TCP level first: a TLS close would wait for its lock.
        try {
            nextTcp.shutdownInput();
        } catch (IOException e) {
            // Already shut or closed.
        }
        try {
            watcher.join(CLOSE_WAIT_MILLIS * 10L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket socket : new Socket[] {next, prev}) {
            try {
                // A TLS close waits for the peer's close_notify, and every rank closes its two
                // sockets one after the other: round a ring those waits form a circle. Bound them.
                socket.setSoTimeout(CLOSE_WAIT_MILLIS);
                socket.close();
            } catch (IOException e) {
                // Best effort: the first error matters more.
            }
        }
    }
}
