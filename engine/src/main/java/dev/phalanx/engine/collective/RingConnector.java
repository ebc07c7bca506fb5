package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.logging.Logger;

/**
 * Sets up the two connections of a ring: one to the next rank (for sending) and one from the
 * previous rank (for receiving), both authenticated by the job token.
 *
 * <p>Order matters to avoid a deadlock: every rank first connects to its next rank and sends its
 * handshake (the kernel queues it before the peer accepts), then accepts from its previous rank and
 * acknowledges, and only then waits for its own acknowledgement.
 */
final class RingConnector {

    private static final Logger LOG = Logger.getLogger(RingConnector.class.getName());
    private static final int MAGIC = 0x50484c58; // "PHLX"
    private static final int ACCEPTED = 1;

    private final int rank;
    private final int worldSize;
    private final CollectiveOptions options;

    RingConnector(int rank, int worldSize, CollectiveOptions options) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.options = options;
    }

    /** The established ring links; close both on any failure. */
    record Links(PeerLink next, PeerLink prev) {}

    Links connect(Rendezvous rendezvous, String host) {
        int timeout = options.timeoutMillis();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            server.setSoTimeout(timeout);
            String[] addresses = rendezvous.allGather(host + ":" + server.getLocalPort());
            int nextRank = (rank + 1) % worldSize;
            int prevRank = (rank - 1 + worldSize) % worldSize;
            Socket toNext = dial(addresses[nextRank], nextRank, timeout);
            try {
                Socket fromPrev = acceptPeer(server, prevRank, addresses[prevRank]);
                PeerLink next = new PeerLink(toNext, rank, nextRank, timeout);
                PeerLink prev = new PeerLink(fromPrev, rank, prevRank, timeout);
                awaitAcceptance(toNext, nextRank, addresses[nextRank]);
                return new Links(next, prev);
            } catch (RuntimeException | IOException e) {
                toNext.close();
                throw e;
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": could not set up ring connections on "
                    + host + ": " + e, e);
        }
    }

    private Socket dial(String address, int peerRank, int timeout) throws IOException {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        Socket socket = new Socket();
        try {
            socket.connect(target, timeout);
            socket.setSoTimeout(timeout);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(MAGIC);
            out.writeUTF(options.jobToken());
            out.writeInt(rank);
            out.writeInt(peerRank);
            out.flush();
            return socket;
        } catch (IOException e) {
            socket.close();
            throw new CollectiveException("rank " + rank + ": cannot connect to rank " + peerRank
                    + " at " + address + ": " + e, e);
        }
    }

    /**
     * Accepts connections until the previous rank presents a valid handshake. Connections that do
     * not (wrong token, wrong rank, garbage) are closed and logged, and do not disturb the job.
     */
    private Socket acceptPeer(ServerSocket server, int prevRank, String prevAddress) throws IOException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                throw new CollectiveException("rank " + rank + ": rank " + prevRank + " at " + prevAddress
                        + " did not connect within " + options.timeout());
            }
            server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
            Socket socket;
            try {
                socket = server.accept();
            } catch (SocketTimeoutException e) {
                continue;
            }
            String refusal = checkHandshake(socket, prevRank);
            if (refusal == null) {
                new DataOutputStream(socket.getOutputStream()).writeByte(ACCEPTED);
                return socket;
            }
            LOG.warning("rank " + rank + ": refused connection from " + socket.getRemoteSocketAddress()
                    + ": " + refusal);
            socket.close();
        }
    }

    /** Returns null when the handshake is valid, else why it is refused. */
    private String checkHandshake(Socket socket, int prevRank) {
        try {
            socket.setSoTimeout(options.timeoutMillis());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            if (in.readInt() != MAGIC) {
                return "not a Phalanx peer";
            }
            if (!options.jobToken().equals(in.readUTF())) {
                return "wrong job token";
            }
            int from = in.readInt();
            int to = in.readInt();
            if (from != prevRank || to != rank) {
                return "handshake from rank " + from + " to rank " + to + ", expected " + prevRank
                        + " to " + rank;
            }
            return null;
        } catch (IOException e) {
            return "bad handshake: " + e;
        }
    }

    private void awaitAcceptance(Socket toNext, int nextRank, String address) {
        try {
            if (new DataInputStream(toNext.getInputStream()).readByte() != ACCEPTED) {
                throw new CollectiveException("rank " + rank + ": rank " + nextRank + " at " + address
                        + " sent an invalid acknowledgement");
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": rank " + nextRank + " at " + address
                    + " did not accept the connection (wrong job token, or it failed): " + e, e);
        }
    }
}
