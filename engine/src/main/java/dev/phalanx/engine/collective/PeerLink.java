package dev.phalanx.engine.collective;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One TCP connection to one peer, used in one direction: either only sending or only receiving,
 * so a sender thread and a receiving thread never share a buffer.
 *
 * <p>Every message carries the operation's sequence number and its length, so two ranks that fall
 * out of lockstep fail with a clear message instead of reading garbage. Buffers grow to the largest
 * message seen and are then reused: no allocation per call once warm.
 */
final class PeerLink implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final DataOutputStream out;
    private final int localRank;
    private final int peerRank;
    private final String peerAddress;
    private final int timeoutMillis;
    private byte[] bytes = new byte[0];
    private float[] floats = new float[0];

    PeerLink(Socket socket, int localRank, int peerRank, int timeoutMillis) throws IOException {
        this.socket = socket;
        this.localRank = localRank;
        this.peerRank = peerRank;
        this.peerAddress = String.valueOf(socket.getRemoteSocketAddress());
        this.timeoutMillis = timeoutMillis;
        socket.setSoTimeout(timeoutMillis);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 1 << 16));
        this.out = new DataOutputStream(socket.getOutputStream());
    }

    /** Sends {@code src[offset, offset + length)} as message number {@code seq}. */
    void sendFloats(int seq, float[] src, int offset, int length) {
        int byteLength = Math.multiplyExact(length, Float.BYTES);
        ensureBytes(byteLength);
        view(byteLength).put(src, offset, length);
        try {
            out.writeInt(seq);
            out.writeInt(byteLength);
            out.write(bytes, 0, byteLength);
            out.flush();
        } catch (IOException e) {
            throw failure("sending message #" + seq, e);
        }
    }

    /**
     * Receives message number {@code seq} of {@code length} floats into {@code dst[offset, …)},
     * adding to what is there when {@code accumulate}, else overwriting.
     */
    void receiveFloats(int seq, float[] dst, int offset, int length, boolean accumulate) {
        int byteLength = Math.multiplyExact(length, Float.BYTES);
        ensureBytes(byteLength);
        readMessage(seq, byteLength);
        FloatBuffer view = view(byteLength);
        if (!accumulate) {
            view.get(dst, offset, length);
            return;
        }
        if (floats.length < length) {
            floats = new float[length];
        }
        view.get(floats, 0, length);
        for (int i = 0; i < length; i++) {
            dst[offset + i] += floats[i];
        }
    }

    /** Sends a byte payload of any length as message number {@code seq}. */
    void sendBytes(int seq, byte[] payload) {
        try {
            out.writeInt(seq);
            out.writeInt(payload.length);
            out.write(payload);
            out.flush();
        } catch (IOException e) {
            throw failure("sending message #" + seq, e);
        }
    }

    /** Receives a byte payload sent with {@link #sendBytes(int, byte[])}. */
    byte[] receiveBytes(int seq) {
        try {
            int gotSeq = in.readInt();
            int length = in.readInt();
            checkSequence(seq, gotSeq);
            byte[] payload = new byte[length];
            in.readFully(payload);
            return payload;
        } catch (IOException e) {
            throw failure("receiving message #" + seq, e);
        }
    }

    private void readMessage(int seq, int expectedLength) {
        try {
            int gotSeq = in.readInt();
            int length = in.readInt();
            checkSequence(seq, gotSeq);
            if (length != expectedLength) {
                throw new CollectiveException(describe() + ": message #" + seq + " has " + length
                        + " bytes, expected " + expectedLength + " (ranks disagree on buffer sizes)");
            }
            in.readFully(bytes, 0, length);
        } catch (IOException e) {
            throw failure("receiving message #" + seq, e);
        }
    }

    private void checkSequence(int expected, int got) {
        if (got != expected) {
            throw new CollectiveException(describe() + ": got message #" + got + " but expected #"
                    + expected + " (ranks are out of lockstep)");
        }
    }

    private void ensureBytes(int byteLength) {
        if (bytes.length < byteLength) {
            bytes = new byte[byteLength];
        }
    }

    private FloatBuffer view(int byteLength) {
        return ByteBuffer.wrap(bytes, 0, byteLength).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    private CollectiveException failure(String what, IOException e) {
        if (e instanceof SocketTimeoutException) {
            return new CollectiveException(describe() + ": peer silent for " + timeoutMillis
                    + " ms while " + what, e);
        }
        if (e instanceof EOFException) {
            return new CollectiveException(describe() + ": peer closed the connection while " + what, e);
        }
        return new CollectiveException(describe() + ": connection failed while " + what + ": " + e, e);
    }

    /** Names both ends, for error messages. */
    String describe() {
        return "rank " + localRank + " <-> rank " + peerRank + " at " + peerAddress;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing is best effort: the socket is gone either way and the first error matters more.
        }
    }
}
