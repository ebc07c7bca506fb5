package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The ring over real loopback sockets, one thread per rank. */
class RingCommunicatorTest {

    private static final String TOKEN = "test-token";
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "rank threads did not stop");
    }

    static Stream<Arguments> worldsAndSizes() {
        return cases(new int[] {1, 2, 3, 4, 5, 8}, world -> new int[] {0, 1, world - 1, world + 1, 1000, 1_000_003});
    }

    static Stream<Arguments> bfloat16WorldsAndSizes() {
        return cases(new int[] {2, 3, 5, 8}, world -> new int[] {1, world + 1, 1000, 100_003});
    }

    private static Stream<Arguments> cases(int[] worlds, IntFunction<int[]> sizes) {
        List<Arguments> cases = new ArrayList<>();
        for (int world : worlds) {
            for (int size : sizes.apply(world)) {
                cases.add(Arguments.of(world, size));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "W={0} n={1}")
    @MethodSource("worldsAndSizes")
    void allReduceSumAndAverageMatchDoublePrecisionSum(int world, int size) throws Exception {
        // Defaults (small buffers take the gather-and-sum path), then the ring for every size with
        // 64-byte segments so chunks span many segments.
        for (CollectiveOptions options : List.of(new CollectiveOptions(Duration.ofSeconds(30), TOKEN),
                new CollectiveOptions(Duration.ofSeconds(30), TOKEN).withSegments(64, 0))) {
            checkAllReduce(world, size, options);
        }
    }

    private void checkAllReduce(int world, int size, CollectiveOptions options) throws Exception {
        float[][] inputs = new float[world][size];
        double[] expected = new double[size];
        SplittableRandom random = new SplittableRandom(world * 1000L + size);
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < size; i++) {
                inputs[r][i] = (float) (random.nextDouble() * 2 - 1);
                expected[i] += inputs[r][i];
            }
        }
        List<float[]> sums = runRanks(world, options, comm -> {
            float[] data = inputs[comm.rank()].clone();
            comm.allReduce(data, ReduceOp.SUM);
            return data;
        });
        List<float[]> averages = runRanks(world, options, comm -> {
            // The direct-buffer path, as the gradient path uses it.
            ByteBuffer direct = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
            direct.asFloatBuffer().put(inputs[comm.rank()]);
            comm.allReduce(direct, ReduceOp.AVG);
            float[] data = new float[size];
            direct.asFloatBuffer().get(data);
            return data;
        });
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < size; i++) {
                assertEquals(expected[i], sums.get(r)[i], 1e-5 * world, "sum, rank " + r + " index " + i);
                assertEquals(expected[i] / world, averages.get(r)[i], 1e-5, "mean, rank " + r + " index " + i);
            }
        }
        // Every rank must hold bit-identical results, or replicas drift apart.
        for (int r = 1; r < world; r++) {
            assertArrayEquals(sums.get(0), sums.get(r), "rank " + r + " differs from rank 0");
        }
    }

    @ParameterizedTest(name = "W={0} n={1}")
    @MethodSource("bfloat16WorldsAndSizes")
    void bfloat16OnTheWireStaysWithinItsRoundingBoundAndIdenticalOnEveryRank(int world, int size) throws Exception {
        for (CollectiveOptions options : List.of(new CollectiveOptions(Duration.ofSeconds(30), TOKEN),
                new CollectiveOptions(Duration.ofSeconds(30), TOKEN).withSegments(64, 0))) {
            boolean ring = size * Float.BYTES > options.smallMessageBytes();
            float[][] inputs = new float[world][size];
            double[] exact = new double[size];
            double[] magnitude = new double[size];
            SplittableRandom random = new SplittableRandom(world * 7919L + size);
            for (int r = 0; r < world; r++) {
                for (int i = 0; i < size; i++) {
                    inputs[r][i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(-6, 3)));
                    exact[i] += inputs[r][i];
                    magnitude[i] += Math.abs(inputs[r][i]);
                }
            }
            List<float[]> averages = runRanks(world, options, comm -> {
                ByteBuffer direct = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
                direct.asFloatBuffer().put(inputs[comm.rank()]);
                comm.allReduce(direct, ReduceOp.AVG, WirePrecision.BFLOAT16);
                float[] data = new float[size];
                direct.asFloatBuffer().get(data);
                return data;
            });
            // Each of the at most W roundings a value meets on its way errs by at most 2^-8 of the
            // partial sum it rounds, which is at most the sum of the magnitudes; the mean divides by W.
            for (int i = 0; i < size; i++) {
                double bound = Math.pow(2, -8) * magnitude[i] * 1.01;
                float got = averages.get(0)[i];
                assertEquals(exact[i] / world, got, bound, "mean, index " + i + " (" + options + ")");
                if (ring) {
                    assertEquals(got, BFloat16.toFloat(BFloat16.fromFloat(got)),
                            "the ring's results are the bfloat16 values that travelled, index " + i);
                }
            }
            for (int r = 1; r < world; r++) {
                assertArrayEquals(averages.get(0), averages.get(r), "rank " + r + " differs from rank 0");
            }
        }
    }

    @Test
    void allReduceOfARangeLeavesTheRestAlone() throws Exception {
        List<float[]> results = runRanks(3, new CollectiveOptions(Duration.ofSeconds(30), TOKEN), comm -> {
            float[] data = {100, 1, 2, 3, 4, 100};
            comm.allReduce(data, 1, 4, ReduceOp.SUM);
            return data;
        });
        for (float[] data : results) {
            assertArrayEquals(new float[] {100, 3, 6, 9, 12, 100}, data);
        }
    }

    @Test
    void allGatherReturnsEveryRanksPayloadInRankOrder() throws Exception {
        List<byte[][]> results = runRanks(4, new CollectiveOptions(Duration.ofSeconds(30), TOKEN), comm -> {
            comm.barrier();
            return comm.allGather(new byte[comm.rank() * 3]);
        });
        for (byte[][] gathered : results) {
            for (int r = 0; r < 4; r++) {
                assertEquals(r * 3, gathered[r].length);
            }
        }
    }

    @Test
    void aPeerThatStopsCallingMakesTheOthersFailInTimeNamingIt() throws Exception {
        int world = 3;
        Duration timeout = Duration.ofSeconds(2);
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        List<Future<Throwable>> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < world; r++) {
            int rank = r;
            outcomes.add(pool.submit(() -> {
                try (Communicator comm = Communicators.connect(rank, world, rendezvous.forRank(rank), "127.0.0.1",
                        new CollectiveOptions(timeout, TOKEN))) {
                    if (rank == 2) {
                        Thread.sleep(timeout.toMillis() * 3); // alive but silent
                        return null;
                    }
                    comm.allReduce(new float[100_000], ReduceOp.SUM);
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }));
        }
        Throwable rank0 = outcomes.get(0).get(30, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertInstanceOf(CollectiveException.class, rank0);
        assertTrue(rank0.getMessage().contains("rank 2"), rank0.getMessage());
        assertTrue(rank0.getMessage().contains("127.0.0.1"), rank0.getMessage());
        assertTrue(seconds < timeout.toSeconds() + 5, "rank 0 failed after " + seconds + " s");
        Throwable rank1 = outcomes.get(1).get(30, TimeUnit.SECONDS);
        assertInstanceOf(CollectiveException.class, rank1);
        assertTrue(rank1.getMessage().contains("rank 2 at 127.0.0.1:"), rank1.getMessage());
    }

    @Test
    void aPeerThatDiesMidOperationIsNamedByEveryOtherRankInTime() throws Exception {
        int world = 4;
        Duration timeout = Duration.ofSeconds(5);
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        List<Future<Throwable>> outcomes = new ArrayList<>();
        long start = System.nanoTime();
        for (int r = 0; r < world; r++) {
            int rank = r;
            outcomes.add(pool.submit(() -> {
                Communicator comm = Communicators.connect(rank, world, rendezvous.forRank(rank), "127.0.0.1",
                        new CollectiveOptions(timeout, TOKEN));
                try {
                    comm.allReduce(new float[1000], ReduceOp.SUM);
                    if (rank == 2) {
                        comm.close(); // dies: its sockets vanish without a word
                        return null;
                    }
                    for (int i = 0; i < 100; i++) {
                        comm.allReduce(new float[1_000_000], ReduceOp.SUM);
                    }
                    return null;
                } catch (Throwable t) {
                    return t;
                } finally {
                    comm.close();
                }
            }));
        }
        for (int r : new int[] {0, 1, 3}) {
            Throwable failure = outcomes.get(r).get(30, TimeUnit.SECONDS);
            assertInstanceOf(CollectiveException.class, failure, "rank " + r);
            assertTrue(failure.getMessage().contains("rank 2 at 127.0.0.1:"), "rank " + r + ": " + failure.getMessage());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        assertTrue(seconds < timeout.toSeconds() + 5, "ranks failed after " + seconds + " s");
    }

    @Test
    void aConnectionWithoutTheJobTokenIsRefusedAndTheRingStillForms() throws Exception {
        int world = 2;
        InMemoryRendezvous inner = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        // Rank 0's rendezvous view lets an intruder dial rank 1's port before rank 0 does.
        Rendezvous intruding = message -> {
            String[] addresses = inner.forRank(0).allGather(message);
            String target = addresses[1];
            int colon = target.lastIndexOf(':');
            try (Socket intruder = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)))) {
                Handshake.send(new DataOutputStream(intruder.getOutputStream()), "wrong-secret", 0, 1);
                assertEquals(-1, intruder.getInputStream().read(), "the intruder must be disconnected, not acknowledged");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return addresses;
        };
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(10), TOKEN);
        Future<float[]> rank0 = pool.submit(() -> {
            try (Communicator comm = Communicators.connect(0, world, intruding, "127.0.0.1", options)) {
                float[] data = {1, 2};
                comm.allReduce(data, ReduceOp.SUM);
                return data;
            }
        });
        Future<float[]> rank1 = pool.submit(() -> {
            try (Communicator comm = Communicators.connect(1, world, inner.forRank(1), "127.0.0.1", options)) {
                float[] data = {10, 20};
                comm.allReduce(data, ReduceOp.SUM);
                return data;
            }
        });
        assertArrayEquals(new float[] {11, 22}, rank0.get(30, TimeUnit.SECONDS));
        assertArrayEquals(new float[] {11, 22}, rank1.get(30, TimeUnit.SECONDS));
    }

    private <T> List<T> runRanks(int world, CollectiveOptions options, Function<Communicator, T> body) throws Exception {
        Duration timeout = options.timeout();
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(world, timeout);
        List<Future<T>> futures = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                try (Communicator comm = Communicators.connect(rank, world, rendezvous.forRank(rank), "127.0.0.1", options)) {
                    return body.apply(comm);
                }
            }));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(timeout.toSeconds() * 2, TimeUnit.SECONDS));
        }
        return results;
    }
}
