package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.logging.Logger;

/**
 * Sets up the two connections of a ring: one to the next rank (data goes out on it) and one from
 * the previous rank (data comes in on it), both authenticated.
 *
 * <p>Order matters to avoid a deadlock: every rank first dials its next rank and sends its
 * handshake (the kernel queues it before the peer accepts), then accepts from its previous rank and
 * acknowledges, and only then waits for its own acknowledgement. A connection that fails the
 * handshake is closed and logged, and the rank keeps accepting until the timeout.
 */
final class RingConnector {

    private static final Logger LOG = Logger.getLogger(RingConnector.class.getName());
    private static final int ACCEPTED = 1;
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

    private final int rank;
    private final int worldSize;
    private final CollectiveOptions options;

    RingConnector(int rank, int worldSize, CollectiveOptions options) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.options = options;
    }

    /**
     * The established ring.
     *
     * @param next the connection to rank + 1
     * @param prev the connection from rank - 1
     * @param addresses every rank's {@code host:port}, for error messages
     */
    record Ring(SocketChannel next, SocketChannel prev, String[] addresses) {}

    Ring connect(Rendezvous rendezvous, String host) {
        int timeout = options.timeoutMillis();
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.socket().setReceiveBufferSize(SOCKET_BUFFER_BYTES);
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            String[] addresses = rendezvous.allGather(host + ":" + server.socket().getLocalPort());
            int nextRank = (rank + 1) % worldSize;
            int prevRank = (rank - 1 + worldSize) % worldSize;
            SocketChannel toNext = dial(addresses[nextRank], nextRank, timeout);
            try {
                SocketChannel fromPrev = acceptPeer(server.socket(), prevRank, addresses[prevRank]);
                try {
                    awaitAcceptance(toNext, nextRank, addresses[nextRank]);
                } catch (RuntimeException e) {
                    fromPrev.close();
                    throw e;
                }
                return new Ring(toNext, fromPrev, addresses);
            } catch (RuntimeException | IOException e) {
                toNext.close();
                throw e;
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": could not set up ring connections on "
                    + host + ": " + e, e);
        }
    }

    private SocketChannel dial(String address, int peerRank, int timeout) throws IOException {
        int colon = address.lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(
                address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
        SocketChannel channel = SocketChannel.open();
        try {
            tune(channel);
            channel.socket().connect(target, timeout);
            channel.socket().setSoTimeout(timeout);
            Handshake.send(new DataOutputStream(channel.socket().getOutputStream()), options.jobToken(), rank, peerRank);
            return channel;
        } catch (IOException e) {
            channel.close();
            throw new CollectiveException("rank " + rank + ": cannot connect to rank " + peerRank
                    + " at " + address + ": " + e, e);
        }
    }

    private SocketChannel acceptPeer(ServerSocket server, int prevRank, String prevAddress) throws IOException {
        long deadline = System.nanoTime() + options.timeout().toNanos();
        while (true) {
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                throw new CollectiveException("rank " + rank + ": rank " + prevRank + " at " + prevAddress
                        + " did not connect within " + options.timeout());
            }
            server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
            SocketChannel channel;
            try {
                channel = server.accept().getChannel();
            } catch (SocketTimeoutException e) {
                continue;
            }
            String refusal;
            try {
                tune(channel);
                channel.socket().setSoTimeout(options.timeoutMillis());
                refusal = Handshake.check(new DataInputStream(channel.socket().getInputStream()), options.jobToken(),
                        prevRank, rank);
            } catch (IOException e) {
                refusal = "bad handshake: " + e;
            }
            if (refusal == null) {
                new DataOutputStream(channel.socket().getOutputStream()).writeByte(ACCEPTED);
                return channel;
            }
            LOG.warning("rank " + rank + ": refused a connection from " + channel.socket().getRemoteSocketAddress()
                    + ": " + refusal);
            channel.close();
        }
    }

    private void awaitAcceptance(SocketChannel toNext, int nextRank, String address) {
        try {
            if (new DataInputStream(toNext.socket().getInputStream()).readByte() != ACCEPTED) {
                throw new CollectiveException("rank " + rank + ": rank " + nextRank + " at " + address
                        + " sent an invalid acknowledgement");
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": rank " + nextRank + " at " + address
                    + " did not accept the connection (wrong job secret, or it failed): " + e, e);
        }
    }

    private static void tune(SocketChannel channel) throws IOException {
        channel.socket().setTcpNoDelay(true);
        channel.socket().setSendBufferSize(SOCKET_BUFFER_BYTES);
        channel.socket().setReceiveBufferSize(SOCKET_BUFFER_BYTES);
    }
}
