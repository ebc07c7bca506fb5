package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Sets up the two connections of a ring: one to the next rank (data goes out on it) and one from
 * the previous rank (data comes in on it), both authenticated both ways by the {@link Handshake}
 * under the attempt's ring key and, if configured, encrypted with mutual TLS.
 *
 * <p>Dialling runs on a helper thread and accepting on the {@link RingAcceptor}'s threads while
 * this thread waits for both: a dialler's handshake needs the peer to be accepting, and every rank
 * dials while it accepts, so doing both on one thread could wait in a circle. The set-up fails as
 * soon as either side fails, naming the peer and its address, or when the collective timeout has
 * passed.
 */
final class RingConnector {

    /** A connection as the transport uses it, and the TCP socket under it (the same socket without TLS). */
    record Link(Socket socket, Socket tcp) {}

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
        Handshake handshake = new Handshake(JobKey.ring(options.jobToken(), options.attempt()));
        SSLContext tls = tlsContext();
        ExecutorService dialer = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "phalanx-ring-dialer-rank-" + rank);
            thread.setDaemon(true);
            return thread;
        });
        try (RingAcceptor acceptor = new RingAcceptor(rank, InetAddress.getByName(host), tls, handshake,
                options.timeout())) {
            String[] addresses = rendezvous.allGather(host + ":" + acceptor.port());
            int nextRank = (rank + 1) % worldSize;
            int prevRank = (rank - 1 + worldSize) % worldSize;
            CompletableFuture<Link> accepting = acceptor.accept(prevRank);
            CompletableFuture<Link> dialling = CompletableFuture.supplyAsync(
                    () -> dial(addresses[nextRank], nextRank, tls, handshake), dialer);
            boolean connected = false;
            try {
                awaitBoth(accepting, dialling);
                Link fromPrev = accepting.join();
                Link toNext = dialling.join();
                connected = true;
                return new Ring(toNext.socket(), fromPrev.socket(), toNext.tcp(), fromPrev.tcp(), addresses);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof CollectiveException ce ? ce
                        : new CollectiveException("rank " + rank + ": cannot connect to rank " + nextRank + " at "
                                + addresses[nextRank] + ": " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new CollectiveException(timedOut(accepting, dialling, addresses, prevRank, nextRank), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("rank " + rank + ": interrupted while connecting", e);
            } finally {
                if (!connected) {
                    // Whichever connection is through now or gets through later is nobody's: close it.
                    accepting.thenAccept(link -> close(link.socket()));
                    dialling.thenAccept(link -> close(link.socket()));
                }
            }
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": could not set up ring connections on "
                    + host + ": " + e, e);
        } finally {
            dialer.shutdownNow();
        }
    }

    private SSLContext tlsContext() {
        if (options.tls() == null) {
            return null;
        }
        try {
            return options.tls().context();
        } catch (IOException e) {
            throw new CollectiveException("rank " + rank + ": " + e.getMessage(), e);
        }
    }

    /** Waits until both connections are through, or one side fails, or the collective timeout passes. */
    private void awaitBoth(CompletableFuture<Link> accepting, CompletableFuture<Link> dialling)
            throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<Link> firstFailure = new CompletableFuture<>();
        for (CompletableFuture<Link> side : List.of(accepting, dialling)) {
            side.whenComplete((link, failure) -> {
                if (failure != null) {
                    firstFailure.completeExceptionally(failure);
                }
            });
        }
        CompletableFuture.anyOf(CompletableFuture.allOf(accepting, dialling), firstFailure)
                .get(options.timeoutMillis(), TimeUnit.MILLISECONDS);
    }

    private String timedOut(CompletableFuture<Link> accepting, CompletableFuture<Link> dialling, String[] addresses,
            int prevRank, int nextRank) {
        String prev = "rank " + prevRank + " at " + addresses[prevRank] + " did not connect";
        String next = "rank " + nextRank + " at " + addresses[nextRank] + " did not accept the connection";
        String which = !accepting.isDone() && !dialling.isDone() ? prev + " and " + next
                : !accepting.isDone() ? prev : next;
        return "rank " + rank + ": " + which + " within " + options.timeout();
    }

    /**
     * Connects, wraps in TLS if configured, and runs the dialer's side of the handshake: answers the
     * acceptor's challenge and checks the acceptor's proof, so an impostor at the address is refused.
     */
    private Link dial(String address, int peerRank, SSLContext tls, Handshake handshake) {
        int colon = address.lastIndexOf(':');
        String peerHost = address.substring(0, colon);
        int peerPort = Integer.parseInt(address.substring(colon + 1));
        Socket tcp = null;
        Socket socket = null;
        String refusal;
        try {
            tcp = SocketChannel.open().socket();
            socket = tcp;
            tune(socket);
            socket.connect(new InetSocketAddress(peerHost, peerPort), options.timeoutMillis());
            socket.setSoTimeout(options.timeoutMillis());
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(socket, peerHost, peerPort, true);
                secure.setUseClientMode(true);
                secure.startHandshake();
                socket = secure;
            }
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            byte[] challenge = new byte[Handshake.CHALLENGE_BYTES];
            in.readFully(challenge);
            byte[] claim = handshake.claim(challenge, rank, peerRank);
            if (claim == null) {
                refusal = "it is not a Phalanx rank";
            } else {
                out.write(claim);
                out.flush();
                byte[] proof = new byte[Handshake.PROOF_BYTES];
                in.readFully(proof);
                refusal = handshake.proves(challenge, claim, proof) ? null
                        : "it did not prove it knows this attempt's ring key, so it is not rank " + peerRank
                                + " of this job and attempt (another job's or attempt's rank, or an impostor)";
            }
        } catch (IOException e) {
            close(socket);
            throw new CollectiveException("rank " + rank + ": rank " + peerRank + " at " + address
                    + " did not accept the connection (wrong job secret, attempt or TLS settings, or it failed): " + e,
                    e);
        }
        if (refusal != null) {
            close(socket);
            throw new CollectiveException("rank " + rank + ": refused the connection to rank " + peerRank + " at "
                    + address + ": " + refusal);
        }
        return new Link(socket, tcp);
    }

    /**
     * Turns off Nagle's algorithm so small messages leave at once. Socket buffer sizes are left to
     * the kernel on purpose: setting SO_SNDBUF/SO_RCVBUF turns Linux's TCP buffer autotuning off and
     * caps the buffers at {@code net.core.[rw]mem_max}, while autotuning grows them up to {@code
     * net.ipv4.tcp_[rw]mem}; a fixed 4 MiB made the 64 MB all-reduce about 10% slower
     * (docs/BENCHMARKS-HISTORY.md, "Lever: kernel-tuned socket buffers").
     */
    static void tune(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
    }

    static void close(Socket socket) {
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
