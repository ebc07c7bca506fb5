package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.RecordingProxy;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ring's connection set-up against hostile peers, over real loopback sockets: recorded
 * handshakes replayed, an impostor at a peer's address, ranks of different attempts, and
 * connections that send nothing.
 */
class RingHandshakeTest {

    private static final String TOKEN = "handshake-test-token";
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "rank threads did not stop");
    }

    @Test
    void aRecordedHandshakeReplayedInTheSameAttemptOrALaterOneIsRefused() throws Exception {
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(20), TOKEN);
        // Attempt 1, with rank 0's connection to rank 1 going through a recording proxy.
        InMemoryRendezvous first = new InMemoryRendezvous(2, Duration.ofSeconds(30));
        AtomicReference<RecordingProxy> proxy = new AtomicReference<>();
        Rendezvous recorded = message -> {
            String[] addresses = first.forRank(0).allGather(message);
            try {
                proxy.set(new RecordingProxy(addresses[1]));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            addresses[1] = proxy.get().address();
            return addresses;
        };
        byte[] claim;
        try {
            assertSums(options, recorded, first.forRank(1));
            claim = Arrays.copyOf(proxy.get().sent(), Handshake.CLAIM_BYTES);
        } finally {
            proxy.get().close();
        }
        for (int attempt : new int[] {1, 2}) {
            // A fresh ring: before rank 0 dials, someone replays rank 0's recorded handshake to rank 1.
            InMemoryRendezvous later = new InMemoryRendezvous(2, Duration.ofSeconds(30));
            AtomicReference<byte[]> answer = new AtomicReference<>();
            Rendezvous replaying = message -> {
                String[] addresses = later.forRank(0).allGather(message);
                answer.set(replay(addresses[1], claim));
                return addresses;
            };
            assertSums(options.withAttempt(attempt), replaying, later.forRank(1));
            assertEquals(Handshake.CHALLENGE_BYTES, answer.get().length,
                    "attempt " + attempt + ": rank 1 must send its challenge, refuse the replay and close, not prove"
                            + " itself to it");
        }
    }

    /** Connects to {@code address}, reads the challenge, sends {@code claim} and returns all that came back. */
    private static byte[] replay(String address, byte[] claim) {
        int colon = address.lastIndexOf(':');
        try (Socket socket = new Socket(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))) {
            socket.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] challenge = new byte[Handshake.CHALLENGE_BYTES];
            in.readFully(challenge);
            socket.getOutputStream().write(claim);
            byte[] rest = in.readAllBytes();
            byte[] all = Arrays.copyOf(challenge, challenge.length + rest.length);
            System.arraycopy(rest, 0, all, challenge.length, rest.length);
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aDialerRefusesAnImpostorAtItsPeersAddressNamingTheAddress() throws Exception {
        try (ServerSocket impostor = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String impostorAddress = "127.0.0.1:" + impostor.getLocalPort();
            // It speaks the protocol but does not know the key: its best answer is the dialer's own MAC.
            Future<?> answering = pool.submit(() -> {
                try (Socket socket = impostor.accept()) {
                    socket.getOutputStream().write(Handshake.challenge());
                    byte[] claim = new DataInputStream(socket.getInputStream()).readNBytes(Handshake.CLAIM_BYTES);
                    socket.getOutputStream().write(claim, Handshake.CLAIM_BYTES - Handshake.PROOF_BYTES,
                            Handshake.PROOF_BYTES);
                    socket.getInputStream().read();
                }
                return null;
            });
            Rendezvous toImpostor = message -> new String[] {message, impostorAddress};
            long start = System.nanoTime();
            Future<Throwable> rank0 = pool.submit(() -> {
                try {
                    Communicators.connect(0, 2, toImpostor, "127.0.0.1", new CollectiveOptions(Duration.ofSeconds(20),
                            TOKEN)).close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            Throwable failure = rank0.get(60, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            assertInstanceOf(CollectiveException.class, failure, "rank 0 accepted the impostor");
            String message = failure.getMessage();
            assertTrue(message.contains("rank 1 at " + impostorAddress), message);
            assertTrue(message.contains("did not prove it knows this attempt's ring key"), message);
            assertTrue(seconds < 5, "rank 0 refused the impostor only after " + seconds + " s: " + message);
            answering.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void ranksOfDifferentAttemptsRefuseEachOtherPromptly() throws Exception {
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(20), TOKEN);
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(2, Duration.ofSeconds(30));
        long start = System.nanoTime();
        List<Future<Throwable>> outcomes = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            int r = rank;
            outcomes.add(pool.submit(() -> {
                try {
                    Communicators.connect(r, 2, rendezvous.forRank(r), "127.0.0.1", options.withAttempt(r + 1)).close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }));
        }
        for (int rank = 0; rank < 2; rank++) {
            Throwable failure = outcomes.get(rank).get(60, TimeUnit.SECONDS);
            assertInstanceOf(CollectiveException.class, failure, "rank " + rank + " joined another attempt's rank");
            assertTrue(failure.getMessage().contains("rank " + (1 - rank) + " at 127.0.0.1:"), failure.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < 5, "the ranks refused each other only after " + seconds + " s");
    }

    @Test
    void twentySilentConnectionsDoNotHoldUpTheRing() throws Exception {
        formsDespiteSilentConnections(new CollectiveOptions(Duration.ofSeconds(30), TOKEN), pool);
    }

    /**
     * Twenty connections that never send a byte reach rank 1's port before rank 0 dials it, and
     * stay open: the ring of 3 must still form and all-reduce within a few seconds (not the
     * collective timeout, which {@code options} sets far longer), and rank 1 must close them all.
     */
    static void formsDespiteSilentConnections(CollectiveOptions options, ExecutorService pool) throws Exception {
        int world = 3;
        List<Socket> silent = new CopyOnWriteArrayList<>();
        InMemoryRendezvous inner = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        Rendezvous flooding = message -> {
            String[] addresses = inner.forRank(0).allGather(message);
            int colon = addresses[1].lastIndexOf(':');
            InetSocketAddress rank1 = new InetSocketAddress(addresses[1].substring(0, colon),
                    Integer.parseInt(addresses[1].substring(colon + 1)));
            try {
                for (int i = 0; i < 20; i++) {
                    Socket socket = new Socket();
                    silent.add(socket);
                    socket.connect(rank1, 5_000);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return addresses;
        };
        try {
            long start = System.nanoTime();
            List<Future<float[]>> results = new ArrayList<>();
            for (int r = 0; r < world; r++) {
                int rank = r;
                Rendezvous rendezvous = rank == 0 ? flooding : inner.forRank(rank);
                results.add(pool.submit(() -> {
                    try (Communicator comm = Communicators.connect(rank, world, rendezvous, "127.0.0.1", options)) {
                        float[] data = {rank + 1};
                        comm.allReduce(data, ReduceOp.SUM);
                        return data;
                    }
                }));
            }
            for (Future<float[]> result : results) {
                assertArrayEquals(new float[] {6}, result.get(90, TimeUnit.SECONDS));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            assertEquals(20, silent.size());
            assertTrue(seconds < 5, "the ring formed only after " + seconds + " s with 20 silent connections open"
                    + " (collective timeout " + options.timeout() + ")");
            for (Socket socket : silent) {
                assertClosedByPeer(socket);
            }
        } finally {
            for (Socket socket : silent) {
                socket.close();
            }
        }
    }

    /** Asserts that the peer has closed {@code socket}: its input ends (after at most a challenge) within seconds. */
    private static void assertClosedByPeer(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        InputStream in = socket.getInputStream();
        try {
            byte[] rest = in.readAllBytes();
            assertNotNull(rest);
            assertTrue(rest.length <= Handshake.CHALLENGE_BYTES, "a silent connection got " + rest.length + " bytes");
        } catch (SocketTimeoutException e) {
            throw new AssertionError("a silent connection was still open 5 s after the ring formed", e);
        }
    }

    private void assertSums(CollectiveOptions options, Rendezvous rank0, Rendezvous rank1) throws Exception {
        List<Future<float[]>> results = new ArrayList<>();
        Rendezvous[] views = {rank0, rank1};
        for (int r = 0; r < 2; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                try (Communicator comm = Communicators.connect(rank, 2, views[rank], "127.0.0.1", options)) {
                    float[] data = {rank + 1, 10 * (rank + 1)};
                    comm.allReduce(data, ReduceOp.SUM);
                    return data;
                }
            }));
        }
        for (Future<float[]> result : results) {
            assertArrayEquals(new float[] {3, 30}, result.get(60, TimeUnit.SECONDS));
        }
    }
}
