package dev.phalanx.bench;

import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.checkpoint.ShardedState;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.collective.Slice;
import dev.phalanx.engine.optim.OptimizerState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;

/**
 * Checkpoint write time against model size, as Phalanx's workers write them, through the real
 * {@link CheckpointStore} on the local file system: one rank writing the whole state (unsharded),
 * and W ranks each writing its slice at once, rank 0 committing ({@code optimizer_sharding}). The
 * state is the parameters and Adam's two moments. The ranks are threads of this JVM, as the
 * workers of local mode are. Prints one {@code size=… world=… seconds=…} line per write; the
 * median over {@code ROUNDS} writes of each size.
 *
 * <p>Usage: {@code CheckpointWriteBenchmark DIR ROUNDS MILLIONS...}
 */
public final class CheckpointWriteBenchmark {

    private CheckpointWriteBenchmark() {}

    /** Writes the checkpoints and prints the medians. */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        int rounds = Integer.parseInt(args[1]);
        ExecutorService ranks = Executors.newCachedThreadPool();
        try {
            for (int i = 2; i < args.length; i++) {
                int count = Integer.parseInt(args[i]) * 1_000_000;
                float[] values = new float[count];
                Arrays.fill(values, 0.5f);
                for (int world : new int[] {1, 2}) {
                    double[] seconds = new double[rounds];
                    for (int round = 0; round < rounds; round++) {
                        Path dir = Files.createTempDirectory(root, "ckpt-bench-");
                        CheckpointStore store = new CheckpointStore(dir.toUri().toString(), new Configuration(), 1);
                        long start = System.nanoTime();
                        if (world == 1) {
                            store.commit(state(values, 0, count));
                        } else {
                            List<Future<?>> writes = new ArrayList<>();
                            for (int rank = 0; rank < world; rank++) {
                                Slice slice = Slice.part(count, world, rank);
                                ShardedState shard = new ShardedState(rank, world, count, slice.offset(), "bench",
                                        state(values, slice.offset(), slice.length()));
                                writes.add(ranks.submit(() -> store.commitShard(shard)));
                            }
                            for (Future<?> write : writes) {
                                write.get(10, TimeUnit.MINUTES);
                            }
                        }
                        seconds[round] = (System.nanoTime() - start) / 1e9;
                        deleteRecursively(dir);
                    }
                    Arrays.sort(seconds);
                    System.out.printf(Locale.ROOT, "size=%dM world=%d bytes_mib=%d median_seconds=%.2f%n",
                            count / 1_000_000, world, 3L * count * Float.BYTES >> 20, seconds[rounds / 2]);
                }
            }
        } finally {
            ranks.shutdownNow();
        }
    }

    /** A state of parameters {@code [offset, offset + length)} with Adam's two moments for them. */
    private static TrainingState state(float[] values, int offset, int length) {
        float[] slice = Arrays.copyOfRange(values, offset, offset + length);
        OptimizerState adam = new OptimizerState("adam", 10, List.of(slice.clone(), slice.clone()));
        JobIdentity identity = new JobIdentity("mlp", "(" + values.length + ")", "adam", 1, 16, 1, false, null);
        return new TrainingState(identity, 10, 10, slice, adam, List.of());
    }

    private static void deleteRecursively(Path dir) throws Exception {
        try (var paths = Files.walk(dir)) {
            for (Path path : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(path);
            }
        }
    }
}
