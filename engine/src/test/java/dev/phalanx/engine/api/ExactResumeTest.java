package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.MiniHdfs;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.checkpoint.CheckpointException;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.DirectoryLease;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.LossNotFiniteException;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Invariant 3, exact resume, on real Spark (local[3], W=2), real DJL and a real file system — the
 * local one and an in-process HDFS. 3 epochs of 8 steps; checkpoints every 5 steps; a worker fails
 * before step 13 (in epoch 2, after the checkpoint at step 10).
 */
class ExactResumeTest {

    private static final int GLOBAL_BATCH = 16;
    private static final int STEPS_PER_EPOCH = 8;
    private static final Dataset<Row> DATA = SyntheticData.classification(GLOBAL_BATCH * STEPS_PER_EPOCH, 20, 4, 3);

    @TempDir
    static Path localRoot;

    static Stream<Arguments> optimizersAndFileSystems() {
        return Stream.of(Arguments.of("sgd", "file"), Arguments.of("adam", "file"),
                Arguments.of("sgd", "hdfs"), Arguments.of("adam", "hdfs"));
    }

    private static String freshDir(String fileSystem) {
        String root = fileSystem.equals("hdfs") ? MiniHdfs.uri() + "/resume" : localRoot.toUri().toString();
        return root + "/" + UUID.randomUUID();
    }

    private static TrainingOptions options(String optimizer, String checkpointDir) {
        return new TrainingOptions("mlp", new InputSpec(new long[] {20}, 4))
                .optWorkers(2).optBatchSize(GLOBAL_BATCH).optEpochs(3).optOptimizer(optimizer)
                .optLearningRate(optimizer.equals("adam") ? 0.01 : 0.1).optSeed(5)
                .optCheckpointDir(checkpointDir).optCheckpointEverySteps(5);
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("optimizersAndFileSystems")
    void anInterruptedRunResumedEndsWhereAnUninterruptedRunEnds(String optimizer, String fileSystem) {
        TrainedModel uninterrupted = Phalanx.fit(DATA, options(optimizer, freshDir(fileSystem)));

        String dir = freshDir(fileSystem);
        TrainingFailedException failure = assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA,
                options(optimizer, dir).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 13))));
        assertTrue(failure.getMessage().contains("injected fault on rank 1 before step 13"), failure.getMessage());
        CheckpointStore store = new CheckpointStore(dir, hadoop(fileSystem), 3);
        assertEquals(10, store.newestValid().orElseThrow().step(), "newest checkpoint after the failure");

        List<String> events = new ArrayList<>();
        List<EpochMetrics> epochs = new ArrayList<>();
        TrainedModel resumed = Phalanx.fit(DATA, options(optimizer, dir), listener(epochs, events));
        assertEquals(List.of("resuming from checkpoint ckpt-000000000010 (step 10, epoch 2)"), events);
        assertEquals(List.of(2, 3), epochs.stream().map(EpochMetrics::epoch).toList(),
                "the resumed run reports the epochs it finished");
        assertEquals(3, resumed.history().size(), "history carries the epoch finished before the interruption");
        assertEquals(24, resumed.steps());
        assertSameParameters(uninterrupted.parameters(), resumed.parameters());
        assertEquals(24, store.newestValid().orElseThrow().step(), "the final state is checkpointed");
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("optimizersAndFileSystems")
    void aWorkerThatFailsIsRelaunchedFromTheLastCheckpointWithTheSameResult(String optimizer, String fileSystem) {
        TrainedModel clean = Phalanx.fit(DATA, options(optimizer, freshDir(fileSystem)));
        List<String> events = new ArrayList<>();
        TrainedModel recovered = Phalanx.fit(DATA,
                options(optimizer, freshDir(fileSystem)).optMaxAttempts(2).optFaultInjection(new FaultInjection(0, 13)),
                listener(new ArrayList<>(), events));
        assertEquals(2, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("attempt 1 of 2 failed: training failed: "
                + "dev.phalanx.engine.worker.InjectedFault: injected fault on rank 0 before step 13"), events.get(0));
        assertEquals("resuming from checkpoint ckpt-000000000010 (step 10, epoch 2)", events.get(1));
        assertSameParameters(clean.parameters(), recovered.parameters());
    }

    @Test
    void aDivergingRunCheckpointsNoNonFiniteParameters() {
        // A learning rate past float's range turns the parameters infinite in the first update,
        // after a step whose loss was finite; with a checkpoint after every step, one would be taken
        // right then, before the next step's loss could show it.
        String dir = freshDir("file");
        LossNotFiniteException diverged = assertThrows(LossNotFiniteException.class, () -> Phalanx.fit(DATA,
                options("sgd", dir).optLearningRate(1e39).optCheckpointEverySteps(1).optMaxAttempts(1)));
        assertTrue(diverged.getMessage().contains("training diverged; lower learning_rate"), diverged.getMessage());
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 100);
        for (CheckpointInfo checkpoint : store.list()) {
            float[] parameters = store.load(checkpoint.uri()).parameters();
            for (int i = 0; i < parameters.length; i++) {
                assertTrue(Float.isFinite(parameters[i]),
                        checkpoint.name() + " holds parameter " + i + " = " + parameters[i]);
            }
        }
    }

    @Test
    void checkpointsOfAnotherJobAreRefusedWithTheReason() {
        String dir = freshDir("file");
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(1));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        List<CheckpointInfo> before = store.list();
        CheckpointException optimizer = assertThrows(CheckpointException.class,
                () -> Phalanx.fit(DATA, options("adam", dir)));
        assertTrue(optimizer.getMessage().contains("it holds the state of optimizer 'sgd'; this job uses 'adam'"),
                optimizer.getMessage());
        CheckpointException seed = assertThrows(CheckpointException.class,
                () -> Phalanx.fit(DATA, options("sgd", dir).optSeed(6)));
        assertTrue(seed.getMessage().contains("seed = 5") && seed.getMessage().contains("seed = 6"), seed.getMessage());
        assertEquals(before, store.list(), "a refused resume must not touch the checkpoints");
    }

    @Test
    void fittingAFinishedRunAgainReturnsItsResultAndLeavesItsCheckpointsAlone() throws Exception {
        String dir = freshDir("file");
        TrainedModel finished = Phalanx.fit(DATA, options("sgd", dir).optEpochs(1));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        List<CheckpointInfo> before = store.list();
        List<String> events = new ArrayList<>();
        TrainedModel again = Phalanx.fit(DATA, options("sgd", dir).optEpochs(1), listener(new ArrayList<>(), events));
        assertEquals(List.of("resuming from checkpoint ckpt-000000000008 (step 8, epoch 1)"), events);
        assertSameParameters(finished.parameters(), again.parameters());
        assertEquals(before, store.list(), "nothing to train, so nothing to commit");
        try (Stream<Path> files = Files.list(Path.of(URI.create(dir)))) {
            assertEquals(before.stream().map(CheckpointInfo::name).sorted().toList(),
                    files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "the valid final checkpoint must not be moved aside");
        }
    }

    @Test
    void aCheckpointPastTheLastStepOfFewerEpochsIsRefusedAndKept() {
        String dir = freshDir("file");
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(2));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        List<CheckpointInfo> before = store.list();
        CheckpointException refused = assertThrows(CheckpointException.class,
                () -> Phalanx.fit(DATA, options("sgd", dir).optEpochs(1)));
        assertTrue(refused.getMessage().endsWith("ckpt-000000000016: it is at step 16, in epoch 2, past the end of"
                + " this job's 1 epochs; raise epochs to at least 2, or use another checkpoint_dir"), refused.getMessage());
        assertEquals(before, store.list(), "a refused resume must not touch the checkpoints");
    }

    @Test
    void aFitOnACheckpointDirectoryLeasedByAnotherLiveJobIsRefusedNamingItAndTouchesNothing() {
        String dir = freshDir("file");
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(1));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        List<CheckpointInfo> before = store.list();
        try (DirectoryLease other = store.lease("app-other (a second notebook)", Duration.ofMinutes(2), notice -> {})) {
            CheckpointException refused = assertThrows(CheckpointException.class,
                    () -> Phalanx.fit(DATA, options("sgd", dir).optEpochs(2)));
            System.out.println("second fit on a leased checkpoint_dir: " + refused.getMessage());
            assertTrue(refused.getMessage().startsWith("checkpoint_dir '") && refused.getMessage().contains(
                    "' is in use by another job: "), refused.getMessage());
            assertTrue(refused.getMessage().contains(" (app-other (a second notebook)), since "), refused.getMessage());
            other.requireHeld();
        }
        assertEquals(before, store.list(), "the refused job must not touch the checkpoints");
        List<String> events = new ArrayList<>();
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(2), listener(new ArrayList<>(), events));
        assertEquals(List.of("resuming from checkpoint ckpt-000000000008 (step 8, epoch 1)"), events,
                "once the other job released the lease");
    }

    @Test
    void aFitOnOtherDataOfTheSameSizeIsRefusedNamingBothUnlessAllowed() {
        String dir = freshDir("file");
        Dataset<Row> other = SyntheticData.classification(GLOBAL_BATCH * STEPS_PER_EPOCH, 20, 4, 4);
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(1));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        List<CheckpointInfo> before = store.list();
        String trainedOn = store.identity(before.get(0)).data().toString();

        // Before fingerprints this resumed at the last step and returned DATA's model after zero steps.
        CheckpointException refused = assertThrows(CheckpointException.class,
                () -> Phalanx.fit(other, options("sgd", dir).optEpochs(1)));
        System.out.println("other data, same size: " + refused.getMessage());
        assertTrue(refused.getMessage().startsWith("cannot resume from checkpoint "), refused.getMessage());
        assertTrue(refused.getMessage().contains("ckpt-000000000008: it was trained on other data (" + trainedOn
                + "); this job's data has 128 rows, content hash "), refused.getMessage());
        assertTrue(refused.getMessage().endsWith("; use another checkpoint_dir, or set resume_with_other_data = true"
                + " to continue from it on this data"), refused.getMessage());
        assertTrue(trainedOn.startsWith("128 rows, content hash "), trainedOn);
        assertEquals(before, store.list(), "a refused resume must not touch the checkpoints");

        List<String> events = new ArrayList<>();
        TrainedModel continued = Phalanx.fit(other, options("sgd", dir).optEpochs(2).optResumeWithOtherData(true),
                listener(new ArrayList<>(), events));
        System.out.println("other data, resume_with_other_data: " + events);
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("resuming from checkpoint ckpt-000000000008 (step 8, epoch 1) although it"
                + " was trained on other data (" + trainedOn + "); this job's data has 128 rows"), events.get(0));
        assertTrue(events.get(0).endsWith(", as resume_with_other_data allows"), events.get(0));
        assertEquals(16, continued.steps());

        events.clear();
        Phalanx.fit(other, options("sgd", dir).optEpochs(2), listener(new ArrayList<>(), events));
        assertEquals(List.of("resuming from checkpoint ckpt-000000000016 (step 16, epoch 2)"), events,
                "the checkpoints written since record the data trained on now");
    }

    @Test
    void aCheckpointFromBeforeFingerprintsIsResumedFromWithANotice() {
        String dir = freshDir("file");
        Phalanx.fit(DATA, options("sgd", dir).optEpochs(1));
        CheckpointStore store = new CheckpointStore(dir, new Configuration(), 3);
        TrainingState state = store.load(store.newestValid().orElseThrow().uri());
        JobIdentity id = state.identity();
        String earlier = freshDir("file");
        new CheckpointStore(earlier, new Configuration(), 3).commit(new TrainingState(
                new JobIdentity(id.model(), id.parameterShapes(), id.optimizer(), id.workers(), id.batchSize(),
                        id.seed(), id.shuffle(), null),
                state.globalStep(), state.stepsPerEpoch(), state.parameters(), state.optimizer(), state.history()));

        List<String> events = new ArrayList<>();
        Phalanx.fit(DATA, options("sgd", earlier).optEpochs(2), listener(new ArrayList<>(), events));
        assertEquals(List.of("checkpoint ckpt-000000000008 records no data fingerprint (written before Phalanx recorded"
                + " one), so it is not known whether this is the data it was trained on",
                "resuming from checkpoint ckpt-000000000008 (step 8, epoch 1)"), events);
    }

    private static Configuration hadoop(String fileSystem) {
        return fileSystem.equals("hdfs") ? MiniHdfs.configuration() : new Configuration();
    }

    private static ProgressListener listener(List<EpochMetrics> epochs, List<String> events) {
        return new ProgressListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {
                epochs.add(metrics);
            }

            @Override
            public void onEvent(String message) {
                events.add(message);
            }
        };
    }

    private static void assertSameParameters(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double maxAbs = 0;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i] - actual[i]));
        }
        System.out.printf("exact resume: max abs parameter difference %.3e%n", maxAbs);
        assertTrue(maxAbs <= 1e-6, "max abs difference " + maxAbs + " > 1e-6");
    }
}
