package dev.phalanx.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on loopback for tests: forwards every connection it accepts to a target and records
 * the bytes that pass each way, so a test can see exactly what crossed the wire, or replay it.
 */
public final class RecordingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "recording-proxy");
        thread.setDaemon(true);
        return thread;
    });

    /** Starts forwarding to {@code target} ({@code host:port}). */
    public RecordingProxy(String target) throws IOException {
        int colon = target.lastIndexOf(':');
        this.target = new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    /** Returns the {@code host:port} to connect to instead of the target. */
    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Returns every byte sent towards the target so far, all connections in order of arrival. */
    public byte[] sent() {
        return sent.toByteArray();
    }

    /** Returns every byte that came back from the target so far. */
    public byte[] received() {
        return received.toByteArray();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                sockets.add(client);
                sockets.add(upstream);
                upstream.connect(target, 10_000);
                threads.execute(() -> pump(client, upstream, sent));
                threads.execute(() -> pump(upstream, client, received));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
        byte[] buffer = new byte[8192];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                record.write(buffer, 0, n);
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(to);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closeQuietly(server);
        for (Socket socket : sockets) {
            closeQuietly(socket);
        }
        threads.shutdownNow();
        threads.awaitTermination(10, TimeUnit.SECONDS);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // A test tearing down: nothing to report.
        }
    }
}
