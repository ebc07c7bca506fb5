package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link BoundedStoreCall}: a result, a call past the bound, a failing call; no thread left behind. */
class BoundedStoreCallTest {

    private static final String PATH = "hdfs://nn:8020/runs/a/checkpoints";

    @Test
    void aCallInTimeReturnsItsResult() {
        assertEquals("ok", BoundedStoreCall.run("listing checkpoints in", PATH, Duration.ofSeconds(10), () -> "ok"));
    }

    @Test
    void aCallThatHangsFailsAfterTheBoundNamingTheOperationThePathAndTheOption() throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        long start = System.nanoTime();
        CheckpointException slow = assertThrows(CheckpointException.class,
                () -> BoundedStoreCall.run("listing checkpoints in", PATH, Duration.ofMillis(300), () -> {
                    try {
                        Thread.sleep(TimeUnit.MINUTES.toMillis(5));
                    } catch (InterruptedException e) {
                        interrupted.countDown();
                    }
                    return null;
                }));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("listing checkpoints in " + PATH + " took longer than checkpoint_timeout = 0.3s; the file system"
                + " is unreachable or too slow (raise checkpoint_timeout if it is merely slow)", slow.getMessage());
        assertTrue(millis >= 290 && millis < 10_000, "failed after " + millis + " ms");
        assertTrue(interrupted.await(10, TimeUnit.SECONDS), "the hung call was not interrupted");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (callThreadAlive() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertFalse(callThreadAlive(), "the call's thread outlived it");
    }

    @Test
    void aCheckedFailureIsNamedAndAnUncheckedOneKeptAsItIs() {
        CheckpointException io = assertThrows(CheckpointException.class,
                () -> BoundedStoreCall.run("checking", PATH, Duration.ofSeconds(10), () -> {
                    throw new IOException("connection refused");
                }));
        assertEquals("checking " + PATH + " failed: connection refused", io.getMessage());
        CheckpointException own = new CheckpointException("none of the 2 checkpoints is valid");
        assertSame(own, assertThrows(CheckpointException.class,
                () -> BoundedStoreCall.run("checking", PATH, Duration.ofSeconds(10), () -> {
                    throw own;
                })));
    }

    private static boolean callThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("phalanx-store-call") && t.isAlive());
    }
}
