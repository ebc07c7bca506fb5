package dev.phalanx.bench;

import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.Communicators;
import dev.phalanx.engine.collective.ReduceOp;
import dev.phalanx.engine.collective.TcpStoreRendezvous;
import dev.phalanx.engine.collective.WirePrecision;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One rank of the all-reduce benchmark; run W of these as separate processes (bench/allreduce.sh
 * does, next to PyTorch's gloo). Same method as {@code shared/peers/gloo_allreduce.py}: the same
 * sizes, 3 warm-up calls, a barrier before each timed call, the median over as many repetitions;
 * rank 0 prints one line per size with busbw = algbw * 2(W-1)/W as nccl-tests defines it.
 *
 * <p>Usage: {@code AllReduceBenchmark RANK WORLD PORT [SEGMENT_BYTES|- [FLOAT32|BFLOAT16]]}: the
 * last argument is the precision values travel in (bytes and bandwidths count float32 values
 * either way, so the two precisions compare directly).
 */
public final class AllReduceBenchmark {

    private static final int[] SIZES = {1 << 10, 1 << 12, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24}; // floats

    private AllReduceBenchmark() {}

    /** Runs one rank. */
    public static void main(String[] args) {
        int rank = Integer.parseInt(args[0]);
        int world = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        int segmentBytes = args.length > 3 && !args[3].equals("-") ? Integer.parseInt(args[3])
                : CollectiveOptions.DEFAULT_SEGMENT_BYTES;
        WirePrecision wire = args.length > 4 ? WirePrecision.valueOf(args[4]) : WirePrecision.FLOAT32;
        Duration timeout = Duration.ofSeconds(60);
        TcpStoreRendezvous rendezvous = new TcpStoreRendezvous(rank, world, new InetSocketAddress("127.0.0.1", port), timeout);
        try (Communicator comm = Communicators.connect(rank, world, rendezvous, "127.0.0.1",
                new CollectiveOptions(timeout, "benchmark").withSegments(segmentBytes,
                        CollectiveOptions.DEFAULT_SMALL_MESSAGE_BYTES))) {
            SplittableRandom random = new SplittableRandom(rank);
            for (int n : SIZES) {
                // Direct native-order memory, as gradients copied out of PyTorch would be (and as
                // gloo's tensors are): the transport sends and receives it without staging copies.
                ByteBuffer data = ByteBuffer.allocateDirect(n * Float.BYTES).order(ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    data.putFloat(i * Float.BYTES, (float) random.nextDouble());
                }
                for (int i = 0; i < 3; i++) {
                    comm.allReduce(data, ReduceOp.SUM, wire);
                }
                int reps = Math.max(5, Math.min(200, (int) (4e8 / (n * 4.0))));
                double[] times = new double[reps];
                for (int i = 0; i < reps; i++) {
                    comm.barrier();
                    long t0 = System.nanoTime();
                    comm.allReduce(data, ReduceOp.SUM, wire);
                    times[i] = (System.nanoTime() - t0) / 1e9;
                }
                if (rank == 0) {
                    double dt = median(times);
                    long bytes = n * 4L;
                    double algbw = bytes / dt / 1e9;
                    double busbw = algbw * 2 * (world - 1) / world;
                    System.out.printf(Locale.ROOT, "phalanx world=%d bytes=%d median_ms=%.3f algbw_GBps=%.3f busbw_GBps=%.3f"
                            + " wire=%s%n", world, bytes, dt * 1e3, algbw, busbw, wire);
                }
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
