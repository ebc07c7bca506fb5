package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Sets up the two connections of a ring: one to the next rank (data goes out on it) and one from
 * the previous rank (data comes in on it), both authenticated by the job secret and, if
 * configured, encrypted with mutual TLS.
 *
 * <p>Dialling runs on a helper thread while this thread accepts: a dialler's TLS handshake and its
 * wait for acknowledgement need the peer to be accepting, and every rank dials before it accepts,
 * so doing both on one thread could wait in a circle.
 */
final class RingConnector {

    private static final Logger LOG = Logger.getLogger(RingConnector.class.getName());
    private static final int ACCEPTED = 1;
    /** Marks a dial whose socket nobody will take: a dial finishing later closes its socket itself. */
    private static final Object ABANDONED = new Object();

    /** A connection as the transport uses it, and the TCP socket under it (the same socket without TLS). */
    private record Link(Socket socket, Socket tcp) {}

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
     * @param next the connection to rank + 1 (a plain socket with a channel, or a TLS socket)
     * @param prev the connection from rank - 1
     * @param nextTcp the TCP socket under {@code next} (itself, without TLS): the TLS transport shuts
     *     its input down to end a read that another thread waits in
     * @param prevTcp the TCP socket under {@code prev}
     * @param addresses every rank's {@code host:port}, for error messages
     */
    record Ring(Socket next, Socket prev, Socket nextTcp, Socket prevTcp, String[] addresses) {

        /** Closes both connections, for a ring that cannot be used after all. */
        void close() {
            RingConnector.close(next);
            RingConnector.close(prev);
        }
    }

    Ring connect(Rendezvous rendezvous, String host) {
        int timeout = options.timeoutMillis();
        ExecutorService dialer = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "phalanx-ring-dialer-rank-" + rank);
            thread.setDaemon(true);
            return thread;
        });
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            SSLContext tls = options.tls() == null ? null : options.tls().context();
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
            String[] addresses = rendezvous.allGather(host + ":" + server.socket().getLocalPort());
            int nextRank = (rank + 1) % worldSize;
            int prevRank = (rank - 1 + worldSize) % worldSize;
            // The dialled socket is handed over through this reference so that a failure here closes
            // it whether the dial finished before the failure or after it.
            AtomicReference<Object> dialled = new AtomicReference<>();
            Future<Link> dialling = dialer.submit(() -> {
                Link link = dial(addresses[nextRank], nextRank, timeout, tls);
                if (!dialled.compareAndSet(null, link)) {
                    close(link.socket());
                }
                return link;
            });
            Link fromPrev = null;
            boolean connected = false;
            try {
                fromPrev = acceptPeer(server.socket(), prevRank, addresses[prevRank], tls);
                Link toNext = dialling.get(timeout, TimeUnit.MILLISECONDS);
                connected = true;
                return new Ring(toNext.socket(), fromPrev.socket(), toNext.tcp(), fromPrev.tcp(), addresses);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof CollectiveException ce ? ce
                        : new CollectiveException("rank " + rank + ": cannot connect to rank " + nextRank + " at "
                                + addresses[nextRank] + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new CollectiveException("rank " + rank + ": rank " + nextRank + " at " + addresses[nextRank]
                        + " did not accept the connection within " + options.timeout(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("rank " + rank + ": interrupted while connecting", e);
            } finally {
                if (!connected) {
                    if (fromPrev != null) {
                        close(fromPrev.socket());
                    }
                    if (dialled.getAndSet(ABANDONED) instanceof Link toNext) {
                        close(toNext.socket());
                    }
                }
                dialling.cancel(true);
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": could not set up ring connections on "
                    + host + ": " + e, e);
        } finally {
            dialer.shutdownNow();
        }
    }

    /** Connects, wraps in TLS if configured, proves the secret and waits for the acknowledgement. */
    private Link dial(String address, int peerRank, int timeout, SSLContext tls) throws IOException {
        int colon = address.lastIndexOf(':');
        String peerHost = address.substring(0, colon);
        int peerPort = Integer.parseInt(address.substring(colon + 1));
        SocketChannel channel = SocketChannel.open();
        Socket tcp = channel.socket();
        Socket socket = tcp;
        try {
            tune(socket);
            socket.connect(new InetSocketAddress(peerHost, peerPort), timeout);
            socket.setSoTimeout(timeout);
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, peerHost, peerPort, true);
                secure.setUseClientMode(true);
                secure.startHandshake();
                socket = secure;
            }
            Handshake.send(new DataOutputStream(socket.getOutputStream()), options.jobToken(), rank, peerRank);
            if (new DataInputStream(socket.getInputStream()).readByte() != ACCEPTED) {
                throw new IOException("invalid acknowledgement");
            }
            return new Link(socket, tcp);
        } catch (IOException e) {
            close(socket);
            throw new CollectiveException("rank " + rank + ": rank " + peerRank + " at " + address
                    + " did not accept the connection (wrong job secret or TLS settings, or it failed): " + e, e);
        }
    }

    private Link acceptPeer(ServerSocket server, int prevRank, String prevAddress, SSLContext tls) throws IOException {
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
            Socket tcp = socket;
            String refusal;
            try {
                tune(socket);
                socket.setSoTimeout(options.timeoutMillis());
                if (tls != null) {
                    SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, null, socket.getPort(), true);
                    secure.setUseClientMode(false);
                    secure.setNeedClientAuth(true);
                    secure.startHandshake();
                    socket = secure;
                }
                refusal = Handshake.check(new DataInputStream(socket.getInputStream()), options.jobToken(), prevRank, rank);
            } catch (IOException e) {
                refusal = "bad handshake: " + e;
            }
            if (refusal == null) {
                try {
                    DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                    out.writeByte(ACCEPTED);
                    out.flush();
                } catch (IOException e) {
                    close(socket);
                    throw e;
                }
                return new Link(socket, tcp);
            }
            LOG.warning("rank " + rank + ": refused a connection from " + socket.getRemoteSocketAddress() + ": " + refusal);
            close(socket);
        }
    }

    /**
     * Turns off Nagle's algorithm so small messages leave at once. Socket buffer sizes are left to
     * the kernel on purpose: setting SO_SNDBUF/SO_RCVBUF turns Linux's TCP buffer autotuning off and
     * caps the buffers at {@code net.core.[rw]mem_max}, while autotuning grows them up to {@code
     * net.ipv4.tcp_[rw]mem}; a fixed 4 MiB made the 64 MB all-reduce about 10% slower
     * (docs/BENCHMARKS-HISTORY.md, "Lever: kernel-tuned socket buffers").
     */
    private static void tune(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
    }

    private static void close(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            // Best effort: the error being reported matters more.
        }
    }
}
