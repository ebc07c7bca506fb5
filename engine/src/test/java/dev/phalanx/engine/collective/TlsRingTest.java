package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ring over mutual TLS, with a throw-away certificate made by the JDK's keytool. */
class TlsRingTest {

    private static final String PASSWORD = "test-password";

    @TempDir
    static Path dir;

    private static TlsSettings tls;
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @BeforeAll
    static void makeCertificate() throws Exception {
        Path store = dir.resolve("ring.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "ring", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=phalanx-test", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), new String(process.getInputStream().readAllBytes()));
        tls = new TlsSettings(store.toString(), PASSWORD, store.toString(), PASSWORD, "TLSv1.3");
    }

    @AfterEach
    void stopThreads() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
    }

    @Test
    void threeRanksAllReduceOverTls() throws Exception {
        int world = 3;
        int n = 100_003;
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(30), "tls-job").withTls(tls);
        List<Future<float[]>> results = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            int rank = r;
            results.add(pool.submit(() -> {
                try (Communicator comm = Communicators.connect(rank, world, rendezvous.forRank(rank), "127.0.0.1", options)) {
                    float[] data = new float[n];
                    java.util.Arrays.fill(data, rank + 1);
                    comm.allReduce(data, ReduceOp.SUM);
                    assertEquals(3, comm.allGather(new byte[] {(byte) rank}).length);
                    return data;
                }
            }));
        }
        float[] expected = new float[n];
        java.util.Arrays.fill(expected, 6);
        for (Future<float[]> result : results) {
            assertArrayEquals(expected, result.get(60, TimeUnit.SECONDS));
        }
    }

    /**
     * As over plain TCP, a rank that calls with another length, op or wire precision makes every rank
     * fail at once naming both calls: W = 4 and rank 1 the odd one out, so two ranks notice the
     * mismatch themselves and two learn it from the abort frames.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"length", "op", "wire", "length on the ring"})
    void aRankThatCallsDifferentlyMakesEveryRankFailPromptlyNamingBothCalls(String mismatch) throws Exception {
        int world = 4;
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(20), "tls-job").withTls(tls);
        CollectiveOptions chosen = mismatch.endsWith("ring") ? options.withSegments(64, 0) : options;
        List<EveryRank.Outcome> outcomes = EveryRank.run(pool, world, chosen, Duration.ofSeconds(60), (rank, comm) -> {
            boolean odd = rank == 1;
            int n = mismatch.startsWith("length") && odd ? 100_003 : 100_000;
            ByteBuffer data = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
            comm.allReduce(data, mismatch.equals("op") && odd ? ReduceOp.SUM : ReduceOp.AVG,
                    mismatch.equals("wire") && odd ? WirePrecision.BFLOAT16 : WirePrecision.FLOAT32);
        });
        String[] named = switch (mismatch) {
            case "op" -> new String[] {"(SUM,", "(AVG,"};
            case "wire" -> new String[] {"BFLOAT16 on the wire", "FLOAT32 on the wire"};
            default -> new String[] {"100003 floats", "100000 floats"};
        };
        for (int r = 0; r < world; r++) {
            Throwable failure = outcomes.get(r).failure();
            assertInstanceOf(CollectiveException.class, failure, "rank " + r + " did not fail: " + failure);
            String message = failure.getMessage();
            for (String part : named) {
                assertTrue(message.contains(part), "rank " + r + ": " + message);
            }
            assertTrue(message.contains("rank 1 at 127.0.0.1:"), "rank " + r + ": " + message);
            double seconds = outcomes.get(r).seconds();
            assertTrue(seconds < 5, "rank " + r + " failed only after " + seconds + " s: " + message);
        }
    }

    /**
     * As over plain TCP, a rank that dies mid-operation is named, with its address, by every other
     * rank in time: W = 5 and rank 2 dies, so ranks 0 and 4, not adjacent to it, learn its name only
     * from the abort frames its neighbours pass on.
     */
    @Test
    void aRankThatDiesIsNamedByEveryOtherRankIncludingNonAdjacentOnes() throws Exception {
        int world = 5;
        Duration timeout = Duration.ofSeconds(10);
        CollectiveOptions options = new CollectiveOptions(timeout, "tls-job").withTls(tls);
        List<EveryRank.Outcome> outcomes = EveryRank.run(pool, world, options, Duration.ofSeconds(60), (rank, comm) -> {
            comm.allReduce(new float[1000], ReduceOp.SUM);
            if (rank == 2) {
                comm.close(); // dies: its connections vanish without a word
                return;
            }
            for (int i = 0; i < 20; i++) {
                comm.allReduce(new float[200_000], ReduceOp.SUM);
            }
        });
        for (int r : new int[] {0, 1, 3, 4}) {
            Throwable failure = outcomes.get(r).failure();
            assertInstanceOf(CollectiveException.class, failure, "rank " + r + " did not fail: " + failure);
            assertTrue(failure.getMessage().contains("rank 2 at 127.0.0.1:"), "rank " + r + ": " + failure.getMessage());
            double seconds = outcomes.get(r).seconds();
            assertTrue(seconds < timeout.toSeconds(), "rank " + r + " failed only after " + seconds + " s");
        }
    }

    @Test
    void twentySilentConnectionsDoNotHoldUpATlsRing() throws Exception {
        RingHandshakeTest.formsDespiteSilentConnections(
                new CollectiveOptions(Duration.ofSeconds(30), "tls-job").withTls(tls), pool);
    }

    @Test
    void aPlainTcpRankCannotJoinATlsRing() throws Exception {
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(2, Duration.ofSeconds(30));
        CollectiveOptions plain = new CollectiveOptions(Duration.ofSeconds(3), "tls-job");
        Future<?> secure = pool.submit(() -> Communicators.connect(0, 2, rendezvous.forRank(0), "127.0.0.1",
                plain.withTls(tls)).close());
        Future<?> insecure = pool.submit(() -> Communicators.connect(1, 2, rendezvous.forRank(1), "127.0.0.1", plain).close());
        for (Future<?> side : List.of(secure, insecure)) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> side.get(30, TimeUnit.SECONDS));
            assertInstanceOf(CollectiveException.class, e.getCause());
        }
    }
}
