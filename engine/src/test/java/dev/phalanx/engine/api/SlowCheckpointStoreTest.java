package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.SlowFileSystem;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slow checkpoint store on real Spark (local[3], W=2): rank 0 writes every step's checkpoint to
 * a {@link SlowFileSystem} whose commits take longer than {@code collective_timeout}. The peers'
 * all-reduce never notices (rank 0 does not wait for the store), and a write past {@code
 * checkpoint_timeout} fails the job with an error naming the store and the option, not a silent peer.
 */
class SlowCheckpointStoreTest {

    private static final int GLOBAL_BATCH = 16;
    private static final int STEPS_PER_EPOCH = 8;
    private static final Dataset<Row> DATA = SyntheticData.classification(GLOBAL_BATCH * STEPS_PER_EPOCH, 8, 2, 3);

    @TempDir
    static Path root;

    @BeforeAll
    static void registerSlowFileSystem() {
        SlowFileSystem.register(SparkTestSession.get().sparkContext().hadoopConfiguration());
    }

    @AfterEach
    void fastAgain() {
        SlowFileSystem.setCommitDelay(Duration.ZERO);
    }

    private static String freshDir() {
        return SlowFileSystem.SCHEME + "://" + root.toAbsolutePath() + "/" + UUID.randomUUID();
    }

    private static TrainingOptions options(String checkpointDir) {
        return new TrainingOptions("mlp", new InputSpec(new long[] {8}, 2))
                .optWorkers(2).optBatchSize(GLOBAL_BATCH).optEpochs(2).optMaxAttempts(1)
                .optCollectiveTimeout(Duration.ofSeconds(1))
                .optCheckpointDir(checkpointDir).optCheckpointEverySteps(1);
    }

    @Test
    void commitsSlowerThanCollectiveTimeoutNeitherStallNorFailThePeers() {
        String dir = freshDir();
        SlowFileSystem.setCommitDelay(Duration.ofMillis(1_500));
        TrainedModel model = Phalanx.fit(DATA, options(dir).optCheckpointTimeout(Duration.ofSeconds(30)));
        assertEquals(2L * STEPS_PER_EPOCH, model.steps());
        CheckpointStore store =
                new CheckpointStore(dir, SparkTestSession.get().sparkContext().hadoopConfiguration(), 3);
        assertEquals(2L * STEPS_PER_EPOCH, store.newestValid().orElseThrow().step());
        // Had rank 0 waited for each 1.5 s commit, the peer's all-reduce would have failed after 1 s.
        assertTrue(SlowFileSystem.commitsStarted() < 2 * STEPS_PER_EPOCH,
                "every step's checkpoint was written: " + SlowFileSystem.commitsStarted());
    }

    @Test
    void aWritePastCheckpointTimeoutFailsTheJobNamingTheStoreAndTheOption() {
        String dir = freshDir();
        SlowFileSystem.setCommitDelay(Duration.ofMinutes(5));
        long start = System.nanoTime();
        TrainingFailedException failure = assertThrows(TrainingFailedException.class,
                () -> Phalanx.fit(DATA, options(dir).optCheckpointTimeout(Duration.ofSeconds(2))));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        // Which write hangs past the bound depends on how many steps ran first on a busy machine.
        assertTrue(failure.getMessage().matches("(?s).*CheckpointException: the checkpoint write of step \\d+ to slowfs:.*"),
                failure.getMessage());
        assertTrue(failure.getMessage().contains("took longer than checkpoint_timeout = 2s"), failure.getMessage());
        assertFalse(failure.getMessage().contains("silent"), failure.getMessage());
        assertTrue(seconds < 60, "failed after " + seconds + " s");
    }
}
