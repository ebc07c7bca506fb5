package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link SleepWaker}: wakes long sleeps, leaves running code alone, and stops for good on close. */
class SleepWakerTest {

    private static final Duration PERIOD = Duration.ofMillis(5);

    @Test
    void aMinuteLongSleepLoopSeesItsConditionWithinSeconds() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        CompletableFuture<Thread> sleeperThread = new CompletableFuture<>();
        CompletableFuture<Void> sleeper = CompletableFuture.runAsync(() -> {
            sleeperThread.complete(Thread.currentThread());
            // The shape of Spark's barrier wait: sleep between checks, an interrupt means "check now".
            while (!ready.get()) {
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    // check again
                }
            }
        });
        try (SleepWaker waker = SleepWaker.start(sleeperThread.get(10, TimeUnit.SECONDS), PERIOD, "test-waker")) {
            ready.set(true);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> sleeper.get());
        }
    }

    @Test
    void aRunningThreadIsNotInterrupted() {
        try (SleepWaker waker = SleepWaker.start(Thread.currentThread(), PERIOD, "test-waker")) {
            long end = System.nanoTime() + Duration.ofMillis(200).toNanos();
            while (System.nanoTime() < end) {
                assertFalse(Thread.currentThread().isInterrupted(), "interrupted while running");
            }
        }
    }

    @Test
    void noInterruptArrivesAfterCloseAndTheWakerThreadEnds() throws Exception {
        SleepWaker waker = SleepWaker.start(Thread.currentThread(), PERIOD, "test-waker-closing");
        assertThrows(InterruptedException.class, () -> Thread.sleep(10_000), "no wake-up within 10 s");
        waker.close();
        Thread.interrupted();
        Thread.sleep(100);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(thread -> thread.getName().equals("test-waker-closing")), "waker thread still alive");
    }
}
