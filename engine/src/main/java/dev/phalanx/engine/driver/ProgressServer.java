package dev.phalanx.engine.driver;

import dev.phalanx.engine.collective.JobKey;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.worker.ProgressHandshake;
import dev.phalanx.engine.worker.ProgressWire;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listens on the driver for rank 0's progress reports and hands them to a listener. One connection
 * per run, authenticated both ways by the {@link ProgressHandshake} under the attempt's progress
 * key (the job's secret never crosses the network); anything else is closed. {@link #awaitReports}
 * lets the last reports through once training is done; {@link #close()} stops the thread and
 * closes every socket.
 */
final class ProgressServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProgressServer.class.getName());
    private static final long JOIN_MILLIS = 5_000;
    /**
     * How long a new connection has to complete its handshake, all reads together. Why: the listener
     * serves one connection at a time, so a stray connection that sends nothing, or sends it a byte
     * at a time, would otherwise keep rank 0's reports waiting for the whole run.
     */
    private static final int HANDSHAKE_MILLIS = 10_000;

    private final int handshakeMillis;

    private final ServerSocket server;
    private final JobKey key;
    private final ProgressWire.Handler listener;
    private final Thread thread;
    private volatile Socket current;
    /** Reports handed on to the listener so far; guarded by {@code this}. */
    private long handedOn;

    /** Listens on an ephemeral port of {@code host} for a reporter that proves it knows {@code key}. */
    ProgressServer(String host, JobKey key, ProgressWire.Handler listener) throws IOException {
        this(host, key, listener, HANDSHAKE_MILLIS);
    }

    /** As above, giving a new connection {@code handshakeMillis} to complete its handshake. */
    ProgressServer(String host, JobKey key, ProgressWire.Handler listener, int handshakeMillis) throws IOException {
        this.handshakeMillis = handshakeMillis;
        this.server = new ServerSocket();
        this.key = key;
        this.listener = guarded(listener);
        try {
            server.bind(new InetSocketAddress(InetAddress.getByName(host), 0));
        } catch (IOException e) {
            server.close();
            throw e;
        }
        this.thread = new Thread(this::serve, "phalanx-progress-listener");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Keeps a listener that throws from ending the progress connection: its exception is logged and
     * the next report is read as usual.
     */
    private static ProgressWire.Handler guarded(ProgressWire.Handler listener) {
        return new ProgressWire.Handler() {
            @Override
            public void epoch(EpochMetrics metrics) {
                try {
                    listener.epoch(metrics);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "progress listener: the listener failed on epoch " + metrics.epoch(), e);
                }
            }

            @Override
            public void step(StepMetrics metrics) {
                try {
                    listener.step(metrics);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "progress listener: the listener failed on step " + metrics.step(), e);
                }
            }

            @Override
            public void validation(Validation validation) {
                try {
                    listener.validation(validation);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "progress listener: the listener failed on the validation at step "
                            + validation.step(), e);
                }
            }
        };
    }

    /** Returns the {@code host:port} workers connect to. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                current = socket;
                byte[] proof = check(socket);
                if (proof == null) {
                    continue;
                }
                socket.getOutputStream().write(proof);
                socket.getOutputStream().flush();
                // Rank 0 reports only every log_every_steps steps or epoch, minutes apart on a large
                // model; close() ends this wait when the attempt ends.
                socket.setSoTimeout(0);
                DataInputStream in = new DataInputStream(socket.getInputStream());
                while (true) {
                    ProgressWire.read(in, listener);
                    countHandedOn();
                }
            } catch (SocketTimeoutException e) {
                LOG.warning("progress listener: closed a connection that did not complete its handshake within "
                        + handshakeMillis + " ms");
            } catch (EOFException e) {
                // Rank 0 closed its reporter: the run is over, or it will reconnect on a retry.
            } catch (SocketException e) {
                if (!server.isClosed()) {
                    LOG.log(Level.WARNING, "progress listener: connection lost", e);
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "progress listener: bad report", e);
            }
        }
    }

    private synchronized void countHandedOn() {
        handedOn++;
        notifyAll();
    }

    /**
     * Runs the listener's side of the handshake on a new connection, up to its proof, within
     * {@code handshakeMillis} in all: sends a challenge and checks the answer.
     *
     * @return the proof to send back when the connection proved it knows the key; null, logged, when
     *     it is refused
     */
    private byte[] check(Socket socket) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(handshakeMillis);
        OutputStream out = socket.getOutputStream();
        byte[] challenge = ProgressHandshake.challenge();
        out.write(challenge);
        out.flush();
        String refusal;
        try {
            byte[] proof = ProgressHandshake.check(key, challenge,
                    readWithin(socket, ProgressHandshake.ANSWER_BYTES, deadline));
            if (proof != null) {
                return proof;
            }
            refusal = "it does not prove it knows this attempt's progress key";
        } catch (EOFException e) {
            refusal = "it closed the connection during the handshake";
        }
        LOG.warning("progress listener: refused " + socket.getRemoteSocketAddress() + " (" + refusal + ")");
        return null;
    }

    /** Reads {@code length} bytes, failing with a timeout once {@code deadline} (nanoTime) has passed. */
    private static byte[] readWithin(Socket socket, int length, long deadline) throws IOException {
        byte[] bytes = new byte[length];
        InputStream in = socket.getInputStream();
        int read = 0;
        while (read < length) {
            long leftMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (leftMillis <= 0) {
                throw new SocketTimeoutException("handshake deadline passed");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, leftMillis));
            int n = in.read(bytes, read, length - read);
            if (n < 0) {
                throw new EOFException("closed during the handshake");
            }
            read += n;
        }
        return bytes;
    }

    /**
     * Waits until {@code expected} reports have been handed on to the listener, for at most {@code
     * millis}. Why: the last epoch's report can still be in flight or unread when rank 0's result
     * reaches the driver, and closing now would drop it; rank 0's result says how many it sent.
     */
    synchronized void awaitReports(long expected, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        try {
            for (long left = millis; handedOn < expected && left > 0;
                    left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (handedOn < expected) {
            LOG.warning("progress listener: " + handedOn + " of rank 0's " + expected + " reports arrived within "
                    + millis + " ms");
        }
    }

    @Override
    public void close() {
        try {
            server.close();
            Socket socket = current;
            if (socket != null) {
                socket.close();
            }
            thread.join(JOIN_MILLIS);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "progress listener: close failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
