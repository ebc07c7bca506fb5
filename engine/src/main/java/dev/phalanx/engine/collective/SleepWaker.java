package dev.phalanx.engine.collective;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Interrupts one thread whenever it is in a timed wait, every {@code period}, until closed. Used
 * around a blocking call that sleeps between checks of a condition and treats an interrupt as
 * "check again now" (Spark's barrier {@code allGather}), so that the call returns within a period
 * of the condition instead of within a whole sleep.
 *
 * <p>Interrupts stop once {@link #close()} returns; the caller must then clear its own interrupt
 * flag, since a wake-up can land just after the last sleep.
 */
final class SleepWaker implements AutoCloseable {

    private static final long JOIN_MILLIS = 1_000;

    private final Thread target;
    private final long periodNanos;
    private final Thread waker;
    private boolean closed;

    private SleepWaker(Thread target, Duration period, String name) {
        this.target = target;
        this.periodNanos = period.toNanos();
        this.waker = new Thread(this::wakeUntilClosed, name);
        waker.setDaemon(true);
    }

    /** Starts waking {@code target} every {@code period}, on a daemon thread called {@code name}. */
    static SleepWaker start(Thread target, Duration period, String name) {
        SleepWaker sleepWaker = new SleepWaker(target, period, name);
        sleepWaker.waker.start();
        return sleepWaker;
    }

    private void wakeUntilClosed() {
        while (true) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                // Only a sleeping target: an interrupt elsewhere (say, inside an NIO call) could
                // close a channel.
                if (target.getState() == Thread.State.TIMED_WAITING) {
                    target.interrupt();
                }
            }
            LockSupport.parkNanos(this, periodNanos);
        }
    }

    /** Stops the interrupts (none is sent after this returns) and waits for the waker thread to end. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        LockSupport.unpark(waker);
        try {
            waker.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
