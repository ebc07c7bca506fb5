package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.FaultInjection;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * The stall of a {@link FaultInjection} {@code rank:rendezvous}: that worker does not go on to the
 * rendezvous, as a worker stuck in start-up would not, so the others must give up after {@code
 * rendezvous_timeout}. The stall itself is bounded too: it ends when Spark kills the task (after
 * the others failed) or after twice the rendezvous timeout, and then the worker throws.
 */
public final class RendezvousStall {

    private static final long POLL_MILLIS = 50;

    private RendezvousStall() {}

    /**
     * Stalls if {@code fault} asks it of this rank in this attempt.
     *
     * @param killed tells whether Spark is killing the task
     * @throws InjectedFault after stalling
     */
    public static void stallIfDue(FaultInjection fault, int rank, int attempt, Duration rendezvousTimeout,
            BooleanSupplier killed) {
        if (fault == null || !fault.stallsBeforeRendezvous() || fault.rank() != rank || attempt != 1) {
            return;
        }
        long deadline = System.nanoTime() + rendezvousTimeout.multipliedBy(2).toNanos();
        try {
            while (!killed.getAsBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new InjectedFault("injected stall on rank " + rank + " before the rendezvous");
    }
}
