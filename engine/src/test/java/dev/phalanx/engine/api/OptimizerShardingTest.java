package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.MiniHdfs;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sharded optimizer ({@code optimizer_sharding}, ZeRO stage 1) on real Spark (local[3]), real
 * DJL and the TCP ring: the parameters of an unsharded run, exact resume from checkpoints every rank
 * wrote its own slice of, on an in-process HDFS, and a checkpoint written by two workers resumed by
 * one and by three. Adam (two state buffers per parameter), a warm-up into a cosine schedule,
 * clipping by global norm and 2 micro-batches; 247 rows leave a remainder of 7 each epoch (global
 * batch 24, 10 steps an epoch, 3 epochs); shuffling is off where runs with different numbers of
 * workers are compared (with it, each number of workers draws other batches).
 */
class OptimizerShardingTest {

    private static final int GLOBAL_BATCH = 24;
    private static final int STEPS_PER_EPOCH = 10;
    private static final Dataset<Row> DATA = SyntheticData.classification(GLOBAL_BATCH * STEPS_PER_EPOCH + 7, 20, 4, 9);

    @TempDir
    static Path localRoot;

    private static TrainingOptions options(int workers, boolean sharded) {
        return new TrainingOptions("mlp(hidden=32)", new InputSpec(new long[] {20}, 4)).optWorkers(workers)
                .optBatchSize(GLOBAL_BATCH).optEpochs(3).optSeed(5).optShuffle(false)
                .optOptimizer("adam").optLearningRate(0.01).optLearningRateSchedule("cosine", 6)
                .optClipGradNorm(0.5).optAccumulationSteps(2).optOptimizerSharding(sharded);
    }

    @Test
    void shardedTrainingEndsWithTheUnshardedParameters() {
        float[] twoSharded = Phalanx.fit(DATA, options(2, true)).parameters();
        float[] two = Phalanx.fit(DATA, options(2, false)).parameters();
        // Two ranks add each slice's two gradients in either order to the same float, and the
        // clipping norm's slices, added in double, round to the same float norm: bit for bit.
        assertArrayEquals(bits(two), bits(twoSharded), "W=2 sharded vs unsharded");

        float[] threeSharded = Phalanx.fit(DATA, options(3, true)).parameters();
        float[] three = Phalanx.fit(DATA, options(3, false)).parameters();
        // Three ranks: this model's gradients (804 floats) are below the small-message threshold, so
        // the unsharded all-reduce sums rank by rank while the reduce-scatter sums round the ring —
        // the same three terms in another order, so not always the same last bit.
        double maxRelative = ParameterDifference.maxRelative(three, threeSharded);
        double vector = ParameterDifference.normRelative(three, threeSharded);
        System.out.printf("optimizer sharding, 30 steps of adam + cosine + clipping + 2 micro-batches: W=2 bit-identical;"
                + " W=3 max relative difference %.3e, ||a - b|| / ||a|| = %.3e%n", maxRelative, vector);
        assertTrue(maxRelative <= 2e-5, "W=3 sharded differs from unsharded by " + maxRelative);
        assertTrue(vector <= 1e-6, "W=3 sharded differs from unsharded by " + vector + " over the vector");
    }

    @Test
    void shardedCheckpointsOnHdfsResumeExactlyWithEveryRanksSlice() throws IOException {
        TrainedModel uninterrupted = Phalanx.fit(DATA, shuffledSharded().optCheckpointDir(hdfsDir()));

        String dir = hdfsDir();
        TrainingFailedException failure = assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA,
                shuffledSharded().optCheckpointDir(dir).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 13))));
        assertTrue(failure.getMessage().contains("injected fault on rank 1 before step 13"), failure.getMessage());
        CheckpointStore store = new CheckpointStore(dir, MiniHdfs.configuration(), 3);
        CheckpointInfo newest = store.newestValid().orElseThrow();
        assertEquals(10, newest.step());
        // Every rank wrote its own slice; there is no whole-model file.
        Set<String> files = files(newest.uri(), MiniHdfs.configuration());
        assertEquals(new TreeSet<>(List.of("_COMMITTED", "_SHARD-00000", "_SHARD-00001", "optimizer-00000.bin",
                "optimizer-00001.bin", "params-00000.bin", "params-00001.bin", "state.json")), files);

        RecordingListener listener = new RecordingListener();
        TrainedModel resumed = Phalanx.fit(DATA, shuffledSharded().optCheckpointDir(dir), listener);
        assertEquals(List.of("resuming from checkpoint ckpt-000000000010 (step 10, epoch 1)"), listener.events);
        assertEquals(3 * STEPS_PER_EPOCH, resumed.steps());
        assertArrayEquals(bits(uninterrupted.parameters()), bits(resumed.parameters()),
                "a sharded run resumed from its sharded checkpoint ends bit for bit where the uninterrupted one does");
        // The whole state reads back from the slices: the final parameters, and Adam's state of
        // every parameter however it is sliced.
        TrainingState last = store.load(store.newestValid().orElseThrow().uri());
        assertEquals(30, last.globalStep());
        assertArrayEquals(bits(resumed.parameters()), bits(last.parameters()));
        int count = last.parameters().length;
        TrainingState middle = store.load(store.newestValid().orElseThrow().uri(), count / 3, count / 3);
        for (int buffer = 0; buffer < 2; buffer++) {
            assertArrayEquals(Arrays.copyOfRange(last.optimizer().buffers().get(buffer), count / 3, 2 * (count / 3)),
                    middle.optimizer().buffers().get(buffer), "Adam buffer " + buffer + " of a slice across both ranks'");
        }
    }

    @Test
    void aCheckpointWrittenByTwoWorkersResumesWithOneAndWithThree() throws IOException {
        float[] uninterrupted = Phalanx.fit(DATA, options(2, true).optCheckpointEverySteps(5)).parameters();
        Path interrupted = localRoot.resolve("written-by-two");
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA, options(2, true).optCheckpointEverySteps(5)
                .optCheckpointDir(interrupted.toUri().toString()).optMaxAttempts(1)
                .optFaultInjection(new FaultInjection(0, 13))));

        for (TrainingOptions resuming : List.of(options(1, false), options(3, true))) {
            Path dir = copy(interrupted, localRoot.resolve("resumed-by-" + resuming.workers()));
            RecordingListener listener = new RecordingListener();
            float[] resumed = Phalanx.fit(DATA, resuming.optCheckpointDir(dir.toUri().toString())
                    .optCheckpointEverySteps(5), listener).parameters();
            assertEquals(List.of("resuming from checkpoint ckpt-000000000010 (step 10, epoch 1); it was written by 2"
                    + " workers and this job has " + resuming.workers() + ": the parameters and optimizer state are"
                    + " re-sharded on load"), listener.events);
            double vector = ParameterDifference.normRelative(uninterrupted, resumed);
            double maxRelative = ParameterDifference.maxRelative(uninterrupted, resumed);
            System.out.printf("written by W=2 (sharded) at step 10, resumed by W=%d (%s) to step 30: ||a - b|| / ||a||"
                    + " = %.3e against the uninterrupted W=2 run (max relative %.3e)%n", resuming.workers(),
                    resuming.optimizerSharding() ? "sharded" : "unsharded", vector, maxRelative);
            assertTrue(vector <= 1e-6, "resumed by " + resuming.workers() + " workers: " + vector);
        }
    }

    private static TrainingOptions shuffledSharded() {
        return options(2, true).optShuffle(true).optCheckpointEverySteps(5);
    }

    private static String hdfsDir() {
        return MiniHdfs.uri() + "/sharded/" + UUID.randomUUID();
    }

    private static Set<String> files(String uri, Configuration conf) throws IOException {
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = folder.getFileSystem(conf);
        Set<String> names = new TreeSet<>();
        for (FileStatus status : fs.listStatus(folder)) {
            names.add(status.getPath().getName());
        }
        return names;
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path path : paths.toList()) {
                Path target = to.resolve(from.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(path, target);
                }
            }
        }
        assertFalse(Files.exists(to.resolve("params.bin")));
        return to;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
