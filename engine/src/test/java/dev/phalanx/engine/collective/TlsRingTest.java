package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
