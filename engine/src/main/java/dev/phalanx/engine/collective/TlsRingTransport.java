package dev.phalanx.engine.collective;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The ring's TLS transport: blocking TLS sockets, sending on a helper thread while the caller
 * receives (if every rank sent first and received second, large messages would fill the socket
 * buffers all round the ring and wait forever). Simpler and slower than {@link NioRingTransport};
 * chosen only when TLS is configured. Failures name the neighbour; there are no abort frames.
 */
final class TlsRingTransport implements RingTransport {

    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int CLOSE_WAIT_MILLIS = 100;

    private final int rank;
    private final int nextRank;
    private final int prevRank;
    private final String[] addresses;
    private final Socket next;
    private final Socket prev;
    private final DataOutputStream out;
    private final DataInputStream in;
    private final long timeoutMillis;
    private final byte[] sendChunk = new byte[CHUNK_BYTES];
    private final byte[] recvChunk = new byte[CHUNK_BYTES];
    private final ExecutorService sender;

    TlsRingTransport(int rank, int worldSize, RingConnector.Ring ring, CollectiveOptions options) throws IOException {
        this.rank = rank;
        this.nextRank = (rank + 1) % worldSize;
        this.prevRank = (rank - 1 + worldSize) % worldSize;
        this.addresses = ring.addresses();
        this.next = ring.next();
        this.prev = ring.prev();
        this.timeoutMillis = options.timeout().toMillis();
        this.out = new DataOutputStream(new BufferedOutputStream(next.getOutputStream(), CHUNK_BYTES));
        this.in = new DataInputStream(new BufferedInputStream(prev.getInputStream(), CHUNK_BYTES));
        this.sender = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "phalanx-tls-sender-rank-" + rank);
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void exchange(int seq, ByteBuffer send, int expectedBytes, int segmentBytes, Sink sink) {
        ByteBuffer outgoing = send.duplicate();
        Future<?> sending = sender.submit(() -> {
            write(seq, outgoing);
            return null;
        });
        int length = readHeader(seq);
        if (length != expectedBytes) {
            throw new CollectiveException(describe(prevRank) + ": message #" + seq + " has " + length
                    + " bytes, expected " + expectedBytes + " (ranks disagree on buffer sizes)");
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
    public byte[] exchangeBytes(int seq, byte[] payload) {
        Future<?> sending = sender.submit(() -> {
            write(seq, ByteBuffer.wrap(payload));
            return null;
        });
        byte[] received = new byte[readHeader(seq)];
        readFully(received, received.length, seq);
        awaitSend(sending, seq);
        return received;
    }

    private void write(int seq, ByteBuffer payload) throws IOException {
        out.writeInt(seq);
        out.writeInt(payload.remaining());
        while (payload.hasRemaining()) {
            int n = Math.min(sendChunk.length, payload.remaining());
            payload.get(sendChunk, 0, n);
            out.write(sendChunk, 0, n);
        }
        out.flush();
    }

    private int readHeader(int seq) {
        try {
            int got = in.readInt();
            if (got != seq) {
                throw new CollectiveException(describe(prevRank) + ": got message #" + got + " but expected #" + seq
                        + " (ranks are out of lockstep)");
            }
            return in.readInt();
        } catch (IOException e) {
            throw failure(prevRank, "receiving message #" + seq, e);
        }
    }

    private void readFully(byte[] into, int length, int seq) {
        try {
            in.readFully(into, 0, length);
        } catch (IOException e) {
            throw failure(prevRank, "receiving message #" + seq, e);
        }
    }

    private void awaitSend(Future<?> sending, int seq) {
        try {
            sending.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            sending.cancel(true);
            throw new CollectiveException(describe(nextRank) + ": could not send message #" + seq + " within "
                    + timeoutMillis + " ms (peer stopped reading)", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? failure(nextRank, "sending message #" + seq, io)
                    : new CollectiveException(describe(nextRank) + ": send failed: " + cause, cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("rank " + rank + ": interrupted while sending", e);
        }
    }

    private CollectiveException failure(int peer, String what, IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new CollectiveException(describe(peer) + ": peer silent for " + timeoutMillis + " ms while " + what, e);
        }
        if (e instanceof EOFException) {
            return new CollectiveException(describe(peer) + ": peer closed the connection while " + what, e);
        }
        return new CollectiveException(describe(peer) + ": connection failed while " + what + ": " + e, e);
    }

    private String describe(int peer) {
        return "rank " + rank + ": rank " + rank + " <-> rank " + peer + " at " + addresses[peer];
    }

    @Override
    public void close() {
        sender.shutdownNow();
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
