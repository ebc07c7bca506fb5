package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** {@link Watchdog}: acts once the timeout passes, never after close, and leaves no thread behind. */
class WatchdogTest {

    @Test
    void aCallThatNeverReturnsIsEndedByTheActionAfterTheTimeout() throws Exception {
        CountDownLatch released = new CountDownLatch(1);
        long start = System.nanoTime();
        boolean returned;
        try (Watchdog watchdog = Watchdog.start(Duration.ofMillis(200), released::countDown, "test-watchdog")) {
            // The blocked call: it returns only when the watchdog acts (or, failing that, after a minute).
            returned = released.await(1, TimeUnit.MINUTES);
            assertTrue(watchdog.fired());
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(returned, "the watchdog never acted");
        assertTrue(millis >= 190 && millis < 10_000, "acted after " + millis + " ms, expected about 200 ms");
        assertFalse(threadAlive("test-watchdog"), "the watchdog thread outlived close()");
    }

    @Test
    void aCallThatReturnsInTimeIsLeftAloneAndNoActionFollowsClose() throws Exception {
        AtomicBoolean acted = new AtomicBoolean();
        Watchdog watchdog = Watchdog.start(Duration.ofMillis(300), () -> acted.set(true), "test-watchdog-quiet");
        watchdog.close();
        Thread.sleep(600);
        assertFalse(acted.get(), "the action ran after close()");
        assertFalse(watchdog.fired());
        assertFalse(threadAlive("test-watchdog-quiet"), "the watchdog thread outlived close()");
    }

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }
}
