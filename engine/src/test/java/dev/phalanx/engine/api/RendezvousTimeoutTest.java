package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * {@code rendezvous_timeout} bounds the start-up rendezvous through {@link Phalanx#fit}, on real
 * Spark (local[3], W=2), whatever {@code spark.barrier.sync.timeout} says (300 s in the test session,
 * 365 days by default): a worker that never reaches the rendezvous fails the others within the bound,
 * with an error naming the option.
 */
class RendezvousTimeoutTest {

    private static final Dataset<Row> DATA = SyntheticData.classification(64, 8, 2, 3);

    @Test
    void aWorkerStalledBeforeTheRendezvousFailsTheJobWithinRendezvousTimeoutNamingIt() {
        TrainingOptions options = new TrainingOptions("mlp", new InputSpec(new long[] {8}, 2))
                .optWorkers(2).optBatchSize(16).optEpochs(1).optMaxAttempts(1)
                .optRendezvousTimeout(Duration.ofSeconds(3))
                .optFaultInjection(FaultInjection.stallBeforeRendezvous(1));
        long start = System.nanoTime();
        TrainingFailedException failure = assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA, options));
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(failure.getMessage().contains(
                        "rank 0: not every rank reached the rendezvous within rendezvous_timeout = 3s"),
                failure.getMessage());
        assertTrue(failure.getMessage().lines().count() == 1, "not one line: " + failure.getMessage());
        // Sharding, PyTorch's start and the 3 s bound; far below the session's 300 s.
        assertTrue(seconds < 60, "failed after " + seconds + " s");
    }
}
