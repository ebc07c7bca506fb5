package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Sends epoch and step metrics from rank 0 to the driver's progress listener as they happen, so the person
 * who launched the job sees progress in cluster mode too, where worker output lands in executor
 * logs. Progress is best effort: if the driver cannot be reached, training goes on and the reporter
 * logs once and falls silent.
 */
public final class ProgressReporter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProgressReporter.class.getName());
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private Socket socket;
    private DataOutputStream out;
    private long sent;

    private ProgressReporter(Socket socket, DataOutputStream out) {
        this.socket = socket;
        this.out = out;
    }

    /** Connects to {@code host:port} with the job token; returns a silent reporter for null or on failure. */
    public static ProgressReporter connect(String address, String jobToken) {
        if (address == null) {
            return new ProgressReporter(null, null);
        }
        Socket socket = new Socket();
        try {
            int colon = address.lastIndexOf(':');
            socket.connect(new InetSocketAddress(address.substring(0, colon),
                    Integer.parseInt(address.substring(colon + 1))), CONNECT_TIMEOUT_MILLIS);
            socket.setSoTimeout(CONNECT_TIMEOUT_MILLIS);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeUTF(jobToken);
            out.flush();
            return new ProgressReporter(socket, out);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.WARNING, "cannot reach the driver's progress listener at " + address
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
