package dev.phalanx.engine.collective;

import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Rendezvous among threads of one JVM, for tests that run several ranks over loopback. One
 * instance serves one setup of {@code worldSize} ranks.
 */
public final class InMemoryRendezvous {

    private final String[] messages;
    private final CyclicBarrier barrier;
    private final Duration timeout;

    /** Creates a rendezvous for {@code worldSize} ranks that waits at most {@code timeout}. */
    public InMemoryRendezvous(int worldSize, Duration timeout) {
        this.messages = new String[worldSize];
        this.barrier = new CyclicBarrier(worldSize);
        this.timeout = timeout;
    }

    /** Returns the view of this rendezvous that rank {@code rank} uses. */
    public Rendezvous forRank(int rank) {
        return message -> {
            messages[rank] = message;
            try {
                barrier.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CollectiveException("rank " + rank + ": interrupted in rendezvous", e);
            } catch (BrokenBarrierException | TimeoutException e) {
                throw new CollectiveException(
                        "rank " + rank + ": rendezvous did not complete within " + timeout, e);
            }
            return messages.clone();
        };
    }
}
