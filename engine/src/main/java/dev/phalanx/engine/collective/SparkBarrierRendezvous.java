package dev.phalanx.engine.collective;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.BarrierTaskContext;

/**
 * Rendezvous through Spark's barrier stage: {@link BarrierTaskContext#allGather(String)} goes
 * through the driver, which is fine for a handful of addresses once per job but far too slow for
 * gradients.
 *
 * <p>Bounded by {@code rendezvous_timeout} in every entry point: Spark itself waits up to {@code
 * spark.barrier.sync.timeout}, 365 days unless whoever built the session set it, so a rank that
 * never arrives (stuck before the rendezvous, or on a lost executor that Spark has not noticed)
 * would hold the others for a year. A {@link Watchdog} marks the task interrupted when the bound
 * passes; Spark's wait checks that mark after each sleep and gives up, and this rank fails with
 * an error naming the option.
 *
 * <p>Spark (4.0) waits for the driver's reply by sleeping a whole second between checks, so every
 * rank but the last to arrive lost up to a second of each job's start-up (measured: 1 006 ms for
 * the first of two ranks, 2 ms for the second). An interrupt ends such a sleep early and Spark
 * then checks again, so a {@link SleepWaker} interrupts the sleeping caller every few milliseconds
 * for the duration of the call.
 */
public final class SparkBarrierRendezvous implements Rendezvous {

    private static final Duration WAKE_PERIOD = Duration.ofMillis(5);

    private final BarrierTaskContext context;
    private final Duration timeout;

    /**
     * Creates a rendezvous over the given barrier task's context.
     *
     * @param timeout how long {@link #allGather} waits for every rank before this rank fails
     */
    public SparkBarrierRendezvous(BarrierTaskContext context, Duration timeout) {
        this.context = context;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * {@inheritDoc}
     *
     * @throws CollectiveException naming {@code rendezvous_timeout} when not every rank arrived in time
     */
    @Override
    public String[] allGather(String message) {
        int rank = context.partitionId();
        String problem = "rank " + rank + ": not every rank reached the rendezvous within rendezvous_timeout = "
                + readable(timeout) + " (a peer is stuck before it or its executor was lost); raise"
                + " rendezvous_timeout if the workers' start-up is really this slow";
        Watchdog watchdog = Watchdog.start(timeout,
                // markInterrupted is private[spark] in Scala but public in the bytecode: it is what
                // Spark's barrier wait checks between its sleeps.
                () -> context.markInterrupted(problem), "phalanx-rendezvous-watchdog-" + rank);
        String[] messages;
        try (watchdog;
                SleepWaker waker = SleepWaker.start(Thread.currentThread(), WAKE_PERIOD,
                        "phalanx-rendezvous-waker-" + rank)) {
            messages = context.allGather(message);
        } catch (RuntimeException e) {
            if (watchdog.fired()) {
                throw new CollectiveException(problem, e);
            }
            throw e;
        } finally {
            // A wake-up after Spark's last sleep would leave the flag set, and the next
            // interruptible channel this thread used (the ring's server socket) would close.
            Thread.interrupted();
            if (context.isInterrupted() && !watchdog.fired()) {
                // Spark is killing the task: keep the interrupt it sent.
                Thread.currentThread().interrupt();
            }
        }
        if (watchdog.fired()) {
            // Fired just as the others arrived: the task is marked interrupted all the same, and
            // Spark would kill it at its next check with a less telling message.
            throw new CollectiveException(problem);
        }
        return messages;
    }

    /** A duration as config files write it, {@code 10m} rather than {@code PT10M}. */
    private static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
