package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
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

    @Test
    void messageNumbersWrapPastTwoToTheThirtyOnePastTheAbortMarker() throws Exception {
        // Each all-reduce of 3 ranks by the ring sends 4 messages, so the third crosses from
        // Integer.MAX_VALUE back to 0, where a plain int would have reached -1, the abort marker.
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(30), TOKEN).withSegments(64, 0);
        List<float[]> sums = runRanks(3, options, comm -> {
            ((RingCommunicator) comm).startSequenceAt(Integer.MAX_VALUE - 8);
            float[] data = new float[100];
            for (int round = 0; round < 4; round++) {
                Arrays.fill(data, comm.rank() + 1);
                comm.allReduce(data, ReduceOp.SUM);
            }
            comm.allGather(new byte[] {1});
            return data;
        });
        for (float[] sum : sums) {
            float[] expected = new float[100];
            Arrays.fill(expected, 6f);
            assertArrayEquals(expected, sum);
        }
    }

    static Stream<Arguments> shardedWorldsAndSizes() {
        return cases(new int[] {1, 2, 3, 5}, world -> new int[] {world - 1, world + 1, 1000, 100_003});
    }

    @ParameterizedTest(name = "W={0} n={1}")
    @MethodSource("shardedWorldsAndSizes")
    void reduceScatterThenAllGatherSlicesIsTheRingsAllReduceBitForBit(int world, int size) throws Exception {
        // The ring path for every size (threshold 0), as optimizer sharding relies on: each rank's
        // owned slice after reduceScatter, and the whole buffer after allGatherSlices, equal the
        // all-reduce's result exactly, for both wire precisions.
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(30), TOKEN).withSegments(64, 0);
        float[][] inputs = new float[world][size];
        SplittableRandom random = new SplittableRandom(world * 31L + size);
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < size; i++) {
                inputs[r][i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
        for (WirePrecision wire : WirePrecision.values()) {
            List<float[]> reduced = runRanks(world, options, comm -> {
                ByteBuffer direct = direct(inputs[comm.rank()]);
                comm.allReduce(direct, ReduceOp.AVG, wire);
                return floats(direct);
            });
            List<Slice> owned = new ArrayList<>();
            List<float[]> scattered = runRanks(world, options, comm -> {
                ByteBuffer direct = direct(inputs[comm.rank()]);
                comm.reduceScatter(direct, ReduceOp.AVG, wire);
                synchronized (owned) {
                    owned.add(comm.ownedSlice(size));
                }
                float[] result = floats(direct);
                Slice slice = comm.ownedSlice(size);
                // Scribble outside the slice: the all-gather must overwrite all of it.
                for (int i = 0; i < size; i++) {
                    if (i < slice.offset() || i >= slice.end()) {
                        direct.putFloat(i * Float.BYTES, Float.NaN);
                    }
                }
                comm.allGatherSlices(direct);
                float[] gathered = floats(direct);
                float[] both = Arrays.copyOf(result, size * 2);
                System.arraycopy(gathered, 0, both, size, size);
                return both;
            });
            int covered = 0;
            for (int r = 0; r < world; r++) {
                Slice slice = ringSlice(world, size, r);
                covered += slice.length();
                float[] expected = Arrays.copyOfRange(reduced.get(r), slice.offset(), slice.end());
                float[] actual = Arrays.copyOfRange(scattered.get(r), slice.offset(), slice.end());
                assertArrayEquals(rawBits(expected), rawBits(actual), wire + ": rank " + r + "'s owned slice");
                assertArrayEquals(rawBits(reduced.get(r)), rawBits(Arrays.copyOfRange(scattered.get(r), size, 2 * size)),
                        wire + ": rank " + r + " after allGatherSlices");
            }
            assertEquals(size, covered, "the owned slices cover the buffer once");
            assertEquals(world, owned.stream().distinct().count(), "every rank owns another slice");
        }
    }

    /** The slice rank {@code rank} of {@code world} owns, as the ring defines it. */
    private static Slice ringSlice(int world, int size, int rank) {
        return world == 1 ? new Slice(0, size) : Slice.part(size, world, (rank + 1) % world);
    }

    private static ByteBuffer direct(float[] values) {
        ByteBuffer direct = ByteBuffer.allocateDirect(values.length * Float.BYTES).order(ByteOrder.nativeOrder());
        direct.asFloatBuffer().put(values);
        return direct;
    }

    private static float[] floats(ByteBuffer direct) {
        float[] values = new float[direct.capacity() / Float.BYTES];
        direct.duplicate().clear().order(ByteOrder.nativeOrder()).asFloatBuffer().get(values);
        return values;
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

    static Stream<Arguments> averageCases() {
        // Lengths: 1 (shorter than W), W - 1, W + 1, one not divisible by W, and ones whose chunks
        // span many segments; 10_007 floats is past the default small-message threshold.
        return cases(new int[] {2, 3, 4, 5}, world -> IntStream.of(
                1, world - 1, world + 1, 7 * world + 3, 37 * world + 3, 10_007).filter(n -> n > 0).distinct().toArray());
    }

    /**
     * AVG must leave every rank with the same bits (replicas that differ in the last bit drift apart
     * over thousands of steps), on the float[] path and the direct-buffer path, in both wire
     * precisions, on the gather-and-sum path and on the ring with chunks cut into many segments. The
     * values are also checked against the mean computed in double from the inputs:
     *
     * <ul>
     *   <li>FLOAT32: a float sum of W terms errs by at most (W - 1) u S, where u = 2^-24 and S is the
     *       sum of the magnitudes; rounding 1/W and the product adds 2 u S / W at most. Allowed:
     *       (W + 2) u S / W.
     *   <li>BFLOAT16: every value rounded on its way (at most W - 1 partial sums and the final mean
     *       on the ring, each rank's own value on the small path) errs by at most 2^-8 of its
     *       magnitude, which is at most S; the mean divides by W. Allowed: 2^-8 S, plus the FLOAT32
     *       bound.
     * </ul>
     */
    @ParameterizedTest(name = "W={0} n={1}")
    @MethodSource("averageCases")
    void averageIsBitIdenticalOnEveryRankOnEveryPathAndCloseToTheExactMean(int world, int size) throws Exception {
        int offset = 3; // the float[] path reduces a range in the middle of a larger array
        float[][] inputs = new float[world][size];
        double[] mean = new double[size];
        double[] magnitude = new double[size];
        SplittableRandom random = new SplittableRandom(world * 104_729L + size);
        for (int r = 0; r < world; r++) {
            for (int i = 0; i < size; i++) {
                inputs[r][i] = (float) ((random.nextDouble() * 2 - 1) * Math.pow(10, random.nextInt(-3, 4)));
                mean[i] += inputs[r][i] / (double) world;
                magnitude[i] += Math.abs(inputs[r][i]);
            }
        }
        CollectiveOptions defaults = new CollectiveOptions(Duration.ofSeconds(30), TOKEN);
        // Defaults (gather-and-sum up to 32 KiB), then the ring for every length with 16-byte
        // segments: 4 float32 values or 8 bfloat16 ones, so chunks cross many segment boundaries.
        for (CollectiveOptions options : List.of(defaults, defaults.withSegments(16, 0))) {
            List<float[][]> results = runRanks(world, options, comm -> {
                float[] array = new float[offset + size + 2];
                Arrays.fill(array, -7.0f);
                System.arraycopy(inputs[comm.rank()], 0, array, offset, size);
                comm.allReduce(array, offset, size, ReduceOp.AVG);
                for (int i : new int[] {0, offset - 1, offset + size, offset + size + 1}) {
                    assertEquals(-7.0f, array[i], "the float[] path wrote outside its range at " + i);
                }
                float[][] out = new float[3][];
                out[0] = Arrays.copyOfRange(array, offset, offset + size);
                int m = 1;
                for (WirePrecision wire : WirePrecision.values()) {
                    ByteBuffer direct = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
                    direct.asFloatBuffer().put(inputs[comm.rank()]);
                    comm.allReduce(direct, ReduceOp.AVG, wire);
                    out[m] = new float[size];
                    direct.asFloatBuffer().get(out[m++]);
                }
                return out;
            });
            String[] paths = {"float[] FLOAT32", "direct FLOAT32", "direct BFLOAT16"};
            for (int p = 0; p < paths.length; p++) {
                int[] bits0 = rawBits(results.get(0)[p]);
                for (int r = 1; r < world; r++) {
                    assertArrayEquals(bits0, rawBits(results.get(r)[p]),
                            paths[p] + ": rank " + r + " differs from rank 0 in its bits (" + options + ")");
                }
                double u = Math.pow(2, -24);
                for (int i = 0; i < size; i++) {
                    double bound = (world + 2) * u * magnitude[i] / world;
                    if (p == 2) {
                        bound += Math.pow(2, -8) * magnitude[i];
                    }
                    assertEquals(mean[i], results.get(0)[p][i], bound,
                            paths[p] + ": mean at index " + i + " (" + options + ")");
                }
            }
            assertArrayEquals(rawBits(results.get(0)[0]), rawBits(results.get(0)[1]),
                    "the float[] and direct-buffer paths differ (" + options + ")");
        }
    }

    private static int[] rawBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    /** The ways a test can route a mismatched call: the small-message path, the ring, or one of each. */
    enum Route {
        SMALL, RING, ACROSS_THRESHOLD
    }

    static Stream<Arguments> mismatchCases() {
        List<Arguments> cases = new ArrayList<>();
        for (int world : new int[] {2, 3, 4}) {
            for (Route route : Route.values()) {
                cases.add(Arguments.of(world, route));
            }
        }
        return cases.stream();
    }

    private static CollectiveOptions mismatchOptions(Route route) {
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(20), TOKEN);
        return route == Route.RING ? options.withSegments(64, 0) : options;
    }

    @ParameterizedTest(name = "W={0} {1}")
    @MethodSource("mismatchCases")
    void aRankWithAnotherLengthMakesEveryRankFailPromptlyNamingBothLengths(int world, Route route) throws Exception {
        // Rank 1 is the odd one out; across the threshold, it alone takes the ring.
        int odd = route == Route.ACROSS_THRESHOLD ? 8_999 : 779;
        List<Throwable> failures = expectEveryRankToFail(world, mismatchOptions(route), comm -> {
            float[] data = new float[comm.rank() == 1 ? odd : 777];
            comm.allReduce(data, ReduceOp.SUM);
        });
        for (int r = 0; r < world; r++) {
            String message = failures.get(r).getMessage();
            assertTrue(message.contains("777 floats") && message.contains(odd + " floats"),
                    "rank " + r + ": " + message);
            assertTrue(message.contains("rank 1 at 127.0.0.1:"), "rank " + r + ": " + message);
        }
    }

    @ParameterizedTest(name = "W={0} {1}")
    @MethodSource("mismatchCases")
    void aRankWithAnotherReduceOpMakesEveryRankFailPromptlyNamingBothOps(int world, Route route) throws Exception {
        int size = route == Route.ACROSS_THRESHOLD ? 8_999 : 777;
        List<Throwable> failures = expectEveryRankToFail(world, mismatchOptions(route), comm -> {
            comm.allReduce(new float[size], comm.rank() == 1 ? ReduceOp.SUM : ReduceOp.AVG);
        });
        for (int r = 0; r < world; r++) {
            String message = failures.get(r).getMessage();
            assertTrue(message.contains("SUM") && message.contains("AVG"), "rank " + r + ": " + message);
            assertTrue(message.contains("rank 1 at 127.0.0.1:"), "rank " + r + ": " + message);
        }
    }

    @ParameterizedTest(name = "W={0} {1}")
    @MethodSource("mismatchCases")
    void aRankWithAnotherWirePrecisionMakesEveryRankFailPromptlyNamingBoth(int world, Route route) throws Exception {
        int size = route == Route.ACROSS_THRESHOLD ? 8_999 : 777;
        List<Throwable> failures = expectEveryRankToFail(world, mismatchOptions(route), comm -> {
            ByteBuffer direct = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder());
            comm.allReduce(direct, ReduceOp.AVG, comm.rank() == 1 ? WirePrecision.BFLOAT16 : WirePrecision.FLOAT32);
        });
        for (int r = 0; r < world; r++) {
            String message = failures.get(r).getMessage();
            assertTrue(message.contains("BFLOAT16") && message.contains("FLOAT32"), "rank " + r + ": " + message);
            assertTrue(message.contains("rank 1 at 127.0.0.1:"), "rank " + r + ": " + message);
        }
    }

    @Test
    void aRankThatGathersWhileTheOthersReduceMakesEveryRankFail() throws Exception {
        CollectiveOptions options = new CollectiveOptions(Duration.ofSeconds(20), TOKEN);
        List<Throwable> failures = expectEveryRankToFail(3, options, comm -> {
            if (comm.rank() == 1) {
                comm.barrier();
            } else {
                comm.allReduce(new float[777], ReduceOp.SUM);
            }
        });
        for (int r = 0; r < 3; r++) {
            String message = failures.get(r).getMessage();
            assertTrue(message.contains("allGather") && message.contains("777 floats"), "rank " + r + ": " + message);
        }
    }

    @Test
    void matchingCallsAfterManyAllReducesStillSucceed() throws Exception {
        // The per-call check must not trip on calls that do match, whatever their order and mix.
        List<float[]> results = runRanks(3, new CollectiveOptions(Duration.ofSeconds(30), TOKEN).withSegments(64, 256),
                comm -> {
                    float[] data = {comm.rank(), 1};
                    for (int i = 0; i < 20; i++) {
                        comm.allReduce(new float[i * 13 + 1], i % 2 == 0 ? ReduceOp.SUM : ReduceOp.AVG);
                        ByteBuffer direct = ByteBuffer.allocateDirect(400).order(ByteOrder.nativeOrder());
                        WirePrecision wire = i % 3 == 0 ? WirePrecision.BFLOAT16 : WirePrecision.FLOAT32;
                        comm.allReduce(direct, ReduceOp.AVG, wire);
                        comm.barrier();
                    }
                    comm.allReduce(data, ReduceOp.SUM);
                    return data;
                });
        for (float[] data : results) {
            assertArrayEquals(new float[] {3, 3}, data);
        }
    }

    /**
     * Runs {@code body} on every rank and returns each rank's failure, checking that every rank failed
     * with a {@link CollectiveException}, and well before the communicator's timeout: a mismatch is
     * known from the first message, so no rank should wait for a silent peer.
     */
    private List<Throwable> expectEveryRankToFail(int world, CollectiveOptions options, Consumer<Communicator> body)
            throws Exception {
        List<EveryRank.Outcome> outcomes = EveryRank.run(pool, world, options, options.timeout().multipliedBy(3),
                (rank, comm) -> body.accept(comm));
        List<Throwable> failures = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            Throwable failure = outcomes.get(r).failure();
            assertInstanceOf(CollectiveException.class, failure, "rank " + r + " did not fail: " + failure);
            double seconds = outcomes.get(r).seconds();
            assertTrue(seconds < options.timeout().toSeconds() / 4.0,
                    "rank " + r + " failed only after " + seconds + " s: " + failure.getMessage());
            failures.add(failure);
        }
        return failures;
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
        List<EveryRank.Outcome> outcomes = EveryRank.run(pool, world, new CollectiveOptions(timeout, TOKEN),
                Duration.ofSeconds(30), (rank, comm) -> {
                    comm.allReduce(new float[1000], ReduceOp.SUM);
                    if (rank == 2) {
                        comm.close(); // dies: its sockets vanish without a word
                        return;
                    }
                    for (int i = 0; i < 100; i++) {
                        comm.allReduce(new float[1_000_000], ReduceOp.SUM);
                    }
                });
        for (int r : new int[] {0, 1, 3}) {
            Throwable failure = outcomes.get(r).failure();
            assertInstanceOf(CollectiveException.class, failure, "rank " + r);
            assertTrue(failure.getMessage().contains("rank 2 at 127.0.0.1:"), "rank " + r + ": " + failure.getMessage());
            double seconds = outcomes.get(r).seconds();
            assertTrue(seconds < timeout.toSeconds() + 5, "rank " + r + " failed after " + seconds + " s");
        }
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
                byte[] challenge = new DataInputStream(intruder.getInputStream()).readNBytes(Handshake.CHALLENGE_BYTES);
                intruder.getOutputStream().write(
                        new Handshake(JobKey.ring("wrong-secret", 1)).claim(challenge, 0, 1));
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
