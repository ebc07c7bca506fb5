package dev.phalanx.engine.collective;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * Rendezvous for ranks in separate processes without Spark (benchmarks, multi-JVM tests): rank 0
 * serves a well-known {@code host:port}; every rank, rank 0 included, sends its message there and
 * gets all messages back once all {@code worldSize} have arrived. Like PyTorch's TCPStore, used
 * once per communicator setup.
 */
public final class TcpStoreRendezvous implements Rendezvous {

    private static final long RETRY_MILLIS = 50;

    private final int rank;
    private final int worldSize;
    private final InetSocketAddress store;
    private final Duration timeout;

    /** Creates the view of rank {@code rank}; rank 0 hosts the store at {@code store}. */
    public TcpStoreRendezvous(int rank, int worldSize, InetSocketAddress store, Duration timeout) {
        this.rank = rank;
        this.worldSize = worldSize;
        this.store = store;
        this.timeout = timeout;
    }

    @Override
    public String[] allGather(String message) {
        if (rank != 0) {
            return exchange(message);
        }
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(store);
            server.setSoTimeout((int) timeout.toMillis());
            String[] messages = new String[worldSize];
            messages[0] = message;
            Socket[] peers = new Socket[worldSize];
            try {
                for (int joined = 1; joined < worldSize; joined++) {
                    Socket peer = server.accept();
                    int from;
                    DataInputStream in;
                    try {
                        peer.setSoTimeout((int) timeout.toMillis());
                        in = new DataInputStream(peer.getInputStream());
                        from = in.readInt();
                        if (from <= 0 || from >= worldSize || peers[from] != null) {
                            throw new CollectiveException("rendezvous at " + store + ": bad or duplicate rank " + from);
                        }
                    } catch (IOException | RuntimeException e) {
                        peer.close();
                        throw e;
                    }
                    // From here the finally below closes it.
                    peers[from] = peer;
                    messages[from] = in.readUTF();
                }
                for (int r = 1; r < worldSize; r++) {
                    DataOutputStream out = new DataOutputStream(peers[r].getOutputStream());
                    for (String m : messages) {
                        out.writeUTF(m);
                    }
                    out.flush();
                }
                return messages;
            } finally {
                for (Socket peer : peers) {
                    if (peer != null) {
                        peer.close();
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw new CollectiveException("rank 0: not every rank reached the rendezvous at " + store + " within "
                    + timeout, e);
        } catch (IOException e) {
            throw new CollectiveException("rank 0: rendezvous at " + store + " failed: " + e, e);
        }
    }

    /** Connects to rank 0's store, retrying until it listens, and exchanges messages. */
    private String[] exchange(String message) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(store, (int) timeout.toMillis());
                socket.setSoTimeout((int) timeout.toMillis());
                DataOutputStream out = new DataOutputStream(socket.getOutputStream());
                out.writeInt(rank);
                out.writeUTF(message);
                out.flush();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                String[] messages = new String[worldSize];
                for (int r = 0; r < worldSize; r++) {
                    messages[r] = in.readUTF();
                }
                return messages;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new CollectiveException("rank " + rank + ": rendezvous at " + store + " failed within "
                            + timeout + ": " + e, e);
                }
                sleep();
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CollectiveException("interrupted while waiting for the rendezvous", e);
        }
    }
}
