package dev.phalanx.engine.worker;

import dev.phalanx.engine.collective.JobKey;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends epoch and step metrics from rank 0 to the driver's progress listener as they happen, so the person
 * who launched the job sees progress in cluster mode too, where worker output lands in executor
 * logs. The connection starts with the {@link ProgressHandshake}: reports go out only once the
 * listener has proved it is this job's driver, and neither side ever sends the job's secret.
 * Progress is best effort: if the driver cannot be reached or does not prove itself, training goes
 * on and the reporter logs once and falls silent.
 */
public final class ProgressReporter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProgressReporter.class.getName());
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    /**
     * How long the reporter waits for each message of the handshake. Longer than the listener gives
     * a connection to complete its handshake, since it serves connections one at a time and a stray
     * one may be ahead of this one.
     */
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 30_000;

    private Socket socket;
    private DataOutputStream out;
    private long sent;

    private ProgressReporter(Socket socket, DataOutputStream out) {
        this.socket = socket;
        this.out = out;
    }

    /**
     * Connects to the driver's listener at {@code host:port} and proves, by the {@link
     * ProgressHandshake} under {@code key}, that this is rank 0 of the attempt, checking that the
     * listener proves the same; returns a silent reporter for a null address, or when the listener
     * cannot be reached or does not prove it knows the key.
     */
    public static ProgressReporter connect(String address, JobKey key) {
        if (address == null) {
            return new ProgressReporter(null, null);
        }
        Socket socket = new Socket();
        try {
            int colon = address.lastIndexOf(':');
            socket.connect(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            byte[] challenge = new byte[ProgressHandshake.CHALLENGE_BYTES];
            in.readFully(challenge);
            byte[] answer = ProgressHandshake.answer(key, challenge);
            if (answer == null) {
                throw new IOException("it is not a Phalanx progress listener");
            }
            out.write(answer);
            out.flush();
            byte[] proof = new byte[ProgressHandshake.PROOF_BYTES];
            in.readFully(proof);
            if (!ProgressHandshake.proves(key, challenge, answer, proof)) {
                throw new IOException("it did not prove it knows this attempt's progress key, so it is not this job's"
                        + " driver");
            }
            return new ProgressReporter(socket, out);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot report to the driver's progress listener at " + address
                    + "; training goes on without live progress", e);
            closeQuietly(socket);
            return new ProgressReporter(null, null);
        }
    }

    /** Sends one epoch's metrics. */
    public void report(EpochMetrics metrics) {
        send(out -> ProgressWire.write(out, metrics));
    }

    /** Sends one logged step's metrics. */
    public void report(StepMetrics metrics) {
        send(out -> ProgressWire.write(out, metrics));
    }

    /** Sends one validation's metrics. */
    public void report(Validation validation) {
        send(out -> ProgressWire.write(out, validation));
    }

    private interface Report {
        void writeTo(DataOutputStream out) throws IOException;
    }

    private void send(Report report) {
        if (out == null) {
            return;
        }
        try {
            report.writeTo(out);
            sent++;
        } catch (IOException e) {
            LOG.log(Level.WARNING, "lost the driver's progress listener; training goes on", e);
            close();
        }
    }

    /** Returns how many reports were written to the driver (each flushed); 0 for a silent reporter. */
    public long sent() {
        return sent;
    }

    @Override
    public void close() {
        closeQuietly(socket);
        socket = null;
        out = null;
    }

    private static void closeQuietly(Socket socket) {
        if (socket == null) {
            return;
        }
        try {
            socket.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing the progress socket failed", e);
        }
    }
}
