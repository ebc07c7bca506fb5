package dev.phalanx.engine.collective;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs a body on every rank of a real ring over loopback, one thread a rank, and reports how each
 * rank's body ended: the shape of the failure tests, which check what every rank saw and when.
 */
final class EveryRank {

    /**
     * How one rank ended.
     *
     * @param failure what it threw, connecting included; null when its body returned
     * @param seconds when it ended, in seconds from the start of the run
     */
    record Outcome(Throwable failure, double seconds) {}

    /** What a rank does with its communicator. */
    interface Body {
        void run(int rank, Communicator comm) throws Exception;
    }

    private EveryRank() {}

    /**
     * Connects {@code world} ranks with {@code options} on {@code pool}, runs {@code body} on each,
     * closes each communicator, and returns the outcomes by rank, waiting at most {@code wait} for
     * each.
     */
    static List<Outcome> run(ExecutorService pool, int world, CollectiveOptions options, Duration wait, Body body)
            throws Exception {
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(world, Duration.ofSeconds(30));
        long start = System.nanoTime();
        List<Future<Outcome>> futures = new ArrayList<>();
        for (int r = 0; r < world; r++) {
            int rank = r;
            futures.add(pool.submit(() -> {
                Communicator comm = null;
                try {
                    comm = Communicators.connect(rank, world, rendezvous.forRank(rank), "127.0.0.1", options);
                    body.run(rank, comm);
                    return new Outcome(null, (System.nanoTime() - start) / 1e9);
                } catch (Throwable t) {
                    // Timed before the close below, which may take a moment to stop threads.
                    return new Outcome(t, (System.nanoTime() - start) / 1e9);
                } finally {
                    if (comm != null) {
                        comm.close();
                    }
                }
            }));
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (Future<Outcome> future : futures) {
            outcomes.add(future.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        }
        return outcomes;
    }
}
