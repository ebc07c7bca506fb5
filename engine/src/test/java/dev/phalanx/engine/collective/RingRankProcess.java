package dev.phalanx.engine.collective;

import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * One rank of {@link SeparateProcessesTest}, run in its own JVM: all-reduces a buffer whose values
 * every rank can compute, checks the result against a double-precision sum, prints the largest error
 * and exits non-zero if it is too large.
 */
public final class RingRankProcess {

    private RingRankProcess() {}

    static float value(int rank, int i) {
        return (float) Math.sin(rank * 7919 + i * 0.37);
    }

    /** Arguments: RANK WORLD PORT FLOATS. */
    public static void main(String[] args) {
        int rank = Integer.parseInt(args[0]);
        int world = Integer.parseInt(args[1]);
        int port = Integer.parseInt(args[2]);
        int n = Integer.parseInt(args[3]);
        Duration timeout = Duration.ofSeconds(60);
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = value(rank, i);
        }
        try (Communicator comm = Communicators.connect(rank, world,
                new TcpStoreRendezvous(rank, world, new InetSocketAddress("127.0.0.1", port), timeout), "127.0.0.1",
                new CollectiveOptions(timeout, "separate-processes").withSegments(4096, 1024))) {
            comm.allReduce(data, ReduceOp.SUM);
        }
        double maxError = 0;
        for (int i = 0; i < n; i++) {
            double expected = 0;
            for (int r = 0; r < world; r++) {
                expected += value(r, i);
            }
            maxError = Math.max(maxError, Math.abs(expected - data[i]));
        }
        System.out.println("rank " + rank + " max_error=" + maxError);
        System.exit(maxError < 1e-5 ? 0 : 1);
    }
}
