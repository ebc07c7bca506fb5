package dev.phalanx.engine.driver;

import dev.phalanx.engine.worker.ProgressWire;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Listens on the driver for rank 0's progress reports and hands them to a listener. One connection per run, authenticated by the job token; anything else is
 * closed. {@link #close()} stops the thread and closes every socket.
 */
final class ProgressServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProgressServer.class.getName());
    private static final long JOIN_MILLIS = 5_000;

    private final ServerSocket server;
    private final String jobToken;
    private final ProgressWire.Handler listener;
    private final Thread thread;
    private volatile Socket current;

    ProgressServer(String host, String jobToken, ProgressWire.Handler listener) throws IOException {
        this.server = new ServerSocket();
        this.jobToken = jobToken;
        this.listener = listener;
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

    /** Returns the {@code host:port} workers connect to. */
    String address() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket socket = server.accept()) {
                current = socket;
                DataInputStream in = new DataInputStream(socket.getInputStream());
                if (!jobToken.equals(in.readUTF())) {
                    LOG.warning("progress listener: refused " + socket.getRemoteSocketAddress() + " (wrong job token)");
                    continue;
                }
                while (true) {
                    ProgressWire.read(in, listener);
                }
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
