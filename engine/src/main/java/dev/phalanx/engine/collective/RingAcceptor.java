package dev.phalanx.engine.collective;

import dev.phalanx.engine.collective.RingConnector.Link;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A rank's listening socket during ring set-up: accepts connections and hands on the first one
 * that proves, by the {@link Handshake}, to come from the previous rank of this attempt.
 *
 * <p>Every incoming connection gets a thread and a deadline of its own ({@link #HANDSHAKE_DEADLINE},
 * or the collective timeout if shorter) for its TLS handshake, if any, and the Phalanx handshake; a
 * connection that has not proved itself by then is closed. Why: anyone who can reach a worker's port
 * can connect to it, and when connections were handshaken one at a time with the whole collective
 * timeout, one that sent nothing held the ring's set-up for that long. Now such a connection holds
 * one thread for a few seconds while the previous rank's connection is handshaken beside it. At
 * most {@link #MAX_HANDSHAKES} run at once; further connections wait in the listen backlog until a
 * thread is free.
 *
 * <p>{@link #close()} stops accepting and closes every connection still in its handshake, so no
 * thread or socket outlives the set-up.
 */
final class RingAcceptor implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RingAcceptor.class.getName());
    /** How long an unauthenticated connection may take to prove itself. */
    static final Duration HANDSHAKE_DEADLINE = Duration.ofSeconds(5);
    /** How many connections may be in their handshake at once. */
    static final int MAX_HANDSHAKES = 64;
    private static final long JOIN_MILLIS = 1_000;

    private final int rank;
    private final ServerSocketChannel server;
    private final SSLContext tls;
    private final Handshake handshake;
    private final int timeoutMillis;
    private final int deadlineMillis;
    private final Semaphore slots = new Semaphore(MAX_HANDSHAKES);
    /** The connections in their handshake, closed by {@link #close()}. */
    private final Set<Connection> pending = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Link> accepted = new CompletableFuture<>();
    private final ExecutorService handshakes;
    private final ScheduledExecutorService deadlines;
    private Thread acceptor;
    private volatile boolean closed;

    /**
     * Listens on an ephemeral port of {@code host}.
     *
     * @param tls the TLS context connections are wrapped in, or null for plain TCP
     * @param timeout the collective timeout: accepted connections read with it once they are through
     */
    RingAcceptor(int rank, InetAddress host, SSLContext tls, Handshake handshake, Duration timeout)
            throws IOException {
        this.rank = rank;
        this.tls = tls;
        this.handshake = handshake;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        this.deadlineMillis = (int) Math.min(timeoutMillis, HANDSHAKE_DEADLINE.toMillis());
        this.server = ServerSocketChannel.open();
        try {
            server.bind(new InetSocketAddress(host, 0));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        this.handshakes = Executors.newCachedThreadPool(daemon("phalanx-ring-handshake-rank-" + rank));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(daemon("phalanx-ring-deadline-rank-" + rank));
    }

    /** Returns the port this rank listens on. */
    int port() {
        return server.socket().getLocalPort();
    }

    /**
     * Starts accepting. The future completes with the first connection that proves it comes from
     * rank {@code prevRank} to this one, or fails if the listening socket fails; it never completes
     * on its own otherwise, so the caller bounds its wait.
     */
    CompletableFuture<Link> accept(int prevRank) {
        acceptor = daemon("phalanx-ring-acceptor-rank-" + rank).newThread(() -> acceptLoop(prevRank));
        acceptor.start();
        return accepted;
    }

    private void acceptLoop(int prevRank) {
        try {
            while (!closed) {
                slots.acquire();
                SocketChannel channel;
                try {
                    channel = server.accept();
                } catch (IOException e) {
                    slots.release();
                    throw e;
                }
                start(channel.socket(), prevRank);
            }
        } catch (IOException e) {
            if (!closed) {
                accepted.completeExceptionally(
                        new CollectiveException("rank " + rank + ": cannot accept connections: " + e, e));
            }
        } catch (InterruptedException e) {
            // close() ends the wait for a free handshake thread.
        }
    }

    /** Handshakes {@code tcp} on a thread of its own, closing it at its deadline unless it is through by then. */
    private void start(Socket tcp, int prevRank) {
        Connection connection = new Connection(tcp);
        pending.add(connection);
        ScheduledFuture<?> expiry = null;
        try {
            if (closed) {
                throw new RejectedExecutionException("closed");
            }
            expiry = deadlines.schedule(connection::expire, deadlineMillis, TimeUnit.MILLISECONDS);
            ScheduledFuture<?> deadline = expiry;
            handshakes.execute(() -> {
                try {
                    handshake(connection, prevRank);
                } finally {
                    deadline.cancel(false);
                    pending.remove(connection);
                    slots.release();
                }
            });
        } catch (RejectedExecutionException e) {
            // Closed meanwhile: nobody will take the connection.
            if (expiry != null) {
                expiry.cancel(false);
            }
            pending.remove(connection);
            slots.release();
            RingConnector.close(tcp);
        }
    }

    private void handshake(Connection connection, int prevRank) {
        Socket tcp = connection.tcp;
        Socket socket = tcp;
        String refusal;
        try {
            RingConnector.tune(tcp);
            // Each read is bounded too, though the deadline alone ends the whole handshake.
            tcp.setSoTimeout(deadlineMillis);
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.getSocketFactory().createSocket(tcp, null, tcp.getPort(), true);
                secure.setUseClientMode(false);
                secure.setNeedClientAuth(true);
                secure.startHandshake();
                socket = secure;
            }
            byte[] challenge = Handshake.challenge();
            OutputStream out = socket.getOutputStream();
            out.write(challenge);
            out.flush();
            byte[] claim = new byte[Handshake.CLAIM_BYTES];
            new DataInputStream(socket.getInputStream()).readFully(claim);
            Handshake.Verdict verdict = handshake.check(challenge, claim, prevRank, rank);
            refusal = verdict.refusal();
            if (refusal == null && connection.settle()) {
                out.write(verdict.proof());
                out.flush();
                tcp.setSoTimeout(timeoutMillis);
                // No longer close()'s to close: once handed on, it is the caller's.
                pending.remove(connection);
                if (!accepted.complete(new Link(socket, tcp))) {
                    RingConnector.close(socket); // closed meanwhile, or a second connection from the same rank
                }
                return;
            }
        } catch (IOException e) {
            refusal = "bad handshake: " + e;
        }
        if (connection.settle()) {
            LOG.warning("rank " + rank + ": refused a connection from " + tcp.getRemoteSocketAddress() + ": " + refusal);
        }
        RingConnector.close(socket);
    }

    /**
     * An accepted connection in its handshake, settled exactly once: through, refused, expired at
     * its deadline, or dropped when the set-up ends (the last two close its socket, which ends the
     * handshake thread's read).
     */
    private final class Connection {

        private final Socket tcp;
        private final AtomicBoolean settled = new AtomicBoolean();

        Connection(Socket tcp) {
            this.tcp = tcp;
        }

        /** True for the first caller only. */
        boolean settle() {
            return settled.compareAndSet(false, true);
        }

        void expire() {
            if (settle()) {
                LOG.warning("rank " + rank + ": closed a connection from " + tcp.getRemoteSocketAddress()
                        + " that did not complete its handshake within " + deadlineMillis + " ms");
                RingConnector.close(tcp);
            }
        }

        /** Closes the connection, unless it is through or refused already: the set-up has ended without it. */
        void drop() {
            if (settle()) {
                RingConnector.close(tcp);
            }
        }
    }

    /**
     * Stops accepting and closes every connection still in its handshake. A connection already
     * handed on is the caller's to close.
     */
    @Override
    public void close() {
        closed = true;
        accepted.completeExceptionally(new CollectiveException("rank " + rank + ": ring set-up ended"));
        try {
            server.close();
        } catch (IOException e) {
            // Best effort: the set-up's own outcome matters more.
        }
        for (Connection connection : pending) {
            connection.drop();
        }
        deadlines.shutdownNow();
        handshakes.shutdownNow();
        try {
            if (acceptor != null) {
                acceptor.interrupt();
                acceptor.join(JOIN_MILLIS);
            }
            handshakes.awaitTermination(JOIN_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
