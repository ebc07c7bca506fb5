package dev.phalanx.engine.collective;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs an action once if it is not closed within a timeout: the bound on a blocking call that has
 * no timeout of its own (Spark's barrier {@code allGather} waits up to {@code
 * spark.barrier.sync.timeout}, 365 days unless the session sets it). The action must make the
 * blocked call return, for example by marking the Spark task interrupted.
 *
 * <p>The watchdog's thread is a daemon and ends when the watchdog fires or is closed, whichever
 * comes first; {@link #close()} waits for it.
 */
final class Watchdog implements AutoCloseable {

    private static final long JOIN_MILLIS = 1_000;

    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean fired;

    private Watchdog(Duration timeout, Runnable action, String name) {
        this.thread = new Thread(() -> watch(timeout, action), name);
        thread.setDaemon(true);
    }

    /** Starts a watchdog that runs {@code action} on a daemon thread called {@code name} after {@code timeout}. */
    static Watchdog start(Duration timeout, Runnable action, String name) {
        Watchdog watchdog = new Watchdog(timeout, action, name);
        watchdog.thread.start();
        return watchdog;
    }

    private void watch(Duration timeout, Runnable action) {
        try {
            if (!closed.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                fired = true;
                action.run();
            }
        } catch (InterruptedException e) {
            // Nobody but close() has a reason to stop this thread; end quietly.
        }
    }

    /** Returns whether the timeout passed and the action ran (or is running). */
    boolean fired() {
        return fired;
    }

    /** Stops the watchdog if it has not fired yet and waits for its thread to end. */
    @Override
    public void close() {
        closed.countDown();
        try {
            thread.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
