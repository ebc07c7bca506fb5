package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.DataFingerprint;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.optim.OptimizerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AsyncCheckpointWriter} over a deliberately slow store ({@link SlowFileSystem}): training
 * never waits for a write, a newer snapshot replaces a queued one and says so, and a write past
 * {@code checkpoint_timeout} fails naming the store and the option, with no thread left behind.
 */
class AsyncCheckpointWriterTest {

    private static final JobIdentity IDENTITY =
            new JobIdentity("mlp", "(4, 3) (4)", "sgd", 2, 8, 1, true, new DataFingerprint(80, -7));
    private static final Logger WRITER_LOG = Logger.getLogger(AsyncCheckpointWriter.class.getName());

    @TempDir
    Path root;

    private final List<String> notices = new CopyOnWriteArrayList<>();
    private final Handler recorder = new Handler() {
        @Override
        public void publish(LogRecord record) {
            notices.add(record.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private CheckpointStore store;

    @BeforeEach
    void openSlowStore() {
        Configuration conf = new Configuration();
        SlowFileSystem.register(conf);
        conf.setBoolean("fs." + SlowFileSystem.SCHEME + ".impl.disable.cache", true);
        store = new CheckpointStore(SlowFileSystem.SCHEME + "://" + root.toAbsolutePath() + "/checkpoints", conf, 3);
        WRITER_LOG.addHandler(recorder);
    }

    @AfterEach
    void stopRecording() {
        WRITER_LOG.removeHandler(recorder);
        SlowFileSystem.setCommitDelay(Duration.ZERO);
    }

    private static TrainingState state(long step) {
        float[] parameters = new float[100];
        float[] velocity = new float[100];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = step + i / 100f;
        }
        return new TrainingState(IDENTITY, step, 10, parameters, new OptimizerState("sgd", step, List.of(velocity)),
                List.of(new EpochMetrics(1, 10, 0.5, 0.8, 100, 1)));
    }

    @Test
    void submitNeverWaitsForTheStoreAndANewerSnapshotReplacesAQueuedOne() {
        SlowFileSystem.setCommitDelay(Duration.ofMillis(800));
        CheckpointInfo last;
        try (AsyncCheckpointWriter writer = new AsyncCheckpointWriter(store, Duration.ofSeconds(30))) {
            long start = System.nanoTime();
            writer.submit(state(1));
            awaitCommits(1);
            writer.submit(state(2));
            writer.submit(state(3));
            writer.check();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis < 700, "submitting took " + millis + " ms while a write of 800 ms ran");
            last = writer.finish(state(4));
            // The writes that finished, each timed from taking it to its commit (800 ms at least here).
            List<CheckpointWrite> finished = writer.takeFinished();
            assertEquals(List.of(1L, 4L), finished.stream().map(CheckpointWrite::step).toList());
            assertTrue(finished.stream().allMatch(write -> write.seconds() >= 0.8), finished.toString());
            assertEquals(List.of(), writer.takeFinished());
        }
        assertEquals(4, last.step());
        assertEquals(List.of(4L, 1L), store.list().stream().map(CheckpointInfo::step).toList());
        awaitWriterThreadGone();
        assertTrue(notices.stream().anyMatch(n -> n.startsWith("checkpoint at step 3 replaces the one at step 2,"
                + " which was still queued behind the write of step 1 to slowfs:")), notices.toString());
        assertTrue(notices.stream().anyMatch(n -> n.startsWith("the final checkpoint at step 4 replaces the one at"
                + " step 3")), notices.toString());
    }

    @Test
    void closeOnAFailedWorkerStillWritesTheRunningAndTheQueuedSnapshot() {
        SlowFileSystem.setCommitDelay(Duration.ofMillis(500));
        try (AsyncCheckpointWriter writer = new AsyncCheckpointWriter(store, Duration.ofSeconds(30))) {
            writer.submit(state(5));
            awaitCommits(1);
            writer.submit(state(10));
        }
        assertEquals(List.of(10L, 5L), store.list().stream().map(CheckpointInfo::step).toList());
        awaitWriterThreadGone();
    }

    @Test
    void aWritePastCheckpointTimeoutFailsTheNextCallNamingTheStoreAndTheOption() throws Exception {
        SlowFileSystem.setCommitDelay(Duration.ofMinutes(5));
        long closeMillis;
        try (AsyncCheckpointWriter writer = new AsyncCheckpointWriter(store, Duration.ofMillis(500))) {
            writer.submit(state(1));
            writer.check();
            Thread.sleep(800);
            CheckpointException slow = assertThrows(CheckpointException.class, writer::check);
            assertEquals("the checkpoint write of step 1 to " + store.location() + " took longer than"
                    + " checkpoint_timeout = 0.5s; the store is unreachable or too slow (raise checkpoint_timeout"
                    + " if it is merely slow)", slow.getMessage());
            assertTrue(store.location().startsWith("slowfs:"), store.location());
            assertThrows(CheckpointException.class, () -> writer.submit(state(2)));
            long start = System.nanoTime();
            writer.close();
            closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        }
        // The write's bound has passed already: close abandons it at once.
        assertTrue(closeMillis < 2_000, "close took " + closeMillis + " ms");
        awaitWriterThreadGone();
        assertEquals(List.of(), store.list());
    }

    @Test
    void aFinalWritePastCheckpointTimeoutFailsWithinTheBound() {
        SlowFileSystem.setCommitDelay(Duration.ofMinutes(5));
        long start = System.nanoTime();
        try (AsyncCheckpointWriter writer = new AsyncCheckpointWriter(store, Duration.ofMillis(500))) {
            CheckpointException slow = assertThrows(CheckpointException.class, () -> writer.finish(state(7)));
            assertTrue(slow.getMessage().contains("write of step 7 to " + store.location()
                    + " took longer than checkpoint_timeout = 0.5s"), slow.getMessage());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 5_000, "failed after " + millis + " ms");
        awaitWriterThreadGone();
    }

    private static void awaitCommits(int commits) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (SlowFileSystem.commitsStarted() < commits && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(commits, SlowFileSystem.commitsStarted());
    }

    private static void awaitWriterThreadGone() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (writerThreadAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(writerThreadAlive(), () -> "the writer thread outlived close(): " + Thread.getAllStackTraces()
                .entrySet().stream().filter(e -> e.getKey().getName().equals("phalanx-checkpoint-writer"))
                .map(e -> java.util.Arrays.toString(e.getValue())).toList());
    }

    private static boolean writerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("phalanx-checkpoint-writer") && t.isAlive());
    }
}
