package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.job.CheckpointWrite;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Writes checkpoints on a background thread, so training pauses only to copy its state and never
 * waits for the store.
 *
 * <p>Why: rank 0 writes every checkpoint; had it waited for a slow store, its peers would have
 * waited for rank 0 in the next all-reduce, and a store slower than {@code collective_timeout}
 * would have shown up on them as a silent peer. Instead a snapshot that falls due while a write is
 * running waits in a queue of one; a newer snapshot replaces a queued one that has not started (and
 * says so in the log), so a slow store gets fewer checkpoints, never a stalled training step.
 *
 * <p>Each write has its own bound, {@code checkpoint_timeout}: {@link #check()}, called by the
 * training loop every step, and every other call fail the job with an error naming the store and
 * the option once the running write has taken longer, or with the write's own error once it failed.
 * The final checkpoint ({@link #finish}) is awaited, within the same bound; so, on {@link #close()}
 * when a worker fails, are the running write and a queued one.
 */
public final class AsyncCheckpointWriter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AsyncCheckpointWriter.class.getName());
    /** How often {@link #finish} looks at the deadline while it waits. */
    private static final long FINISH_POLL_MILLIS = 100;
    /** How often {@link #close} looks at the running write's deadline while it waits. */
    private static final long CLOSE_POLL_MILLIS = 100;
    /** How long an idle writer thread may take to notice that it is closed. */
    private static final long IDLE_EXIT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How long an abandoned write may take to give up once interrupted. */
    private static final long ABANDON_JOIN_MILLIS = 1_000;

    private final CheckpointStore store;
    private final Duration timeout;
    /** Whether every snapshot is written (sharded: all ranks must write the same steps) rather than the newest. */
    private final boolean writesEvery;
    private final Object lock = new Object();
    private final Thread thread;
    // All guarded by lock.
    private CheckpointSnapshot queued;
    private CheckpointSnapshot running;
    private long runningSince;
    private CheckpointInfo lastWritten;
    /** The pause each queued or running snapshot cost the training thread, by step. */
    private final Map<Long, Double> pauses = new HashMap<>();
    /** Writes finished since {@link #takeFinished()} was last called. */
    private final List<CheckpointWrite> finished = new ArrayList<>();
    private CheckpointException failure;
    private boolean closed;
    private int replaced;

    /**
     * Creates a writer into {@code store} and starts its daemon thread.
     *
     * @param timeout the longest one write may take ({@code checkpoint_timeout})
     */
    public AsyncCheckpointWriter(CheckpointStore store, Duration timeout) {
        this(store, timeout, false);
    }

    /**
     * Creates a writer into {@code store} and starts its daemon thread.
     *
     * @param timeout the longest one write may take ({@code checkpoint_timeout})
     * @param writesEvery whether every submitted snapshot must be written, as with a sharded
     *     optimizer, where rank 0 commits a step only when every rank wrote its slice of it: then
     *     {@link #submit} waits (within the running write's bound) for a queued snapshot to start
     *     rather than replace it
     */
    public AsyncCheckpointWriter(CheckpointStore store, Duration timeout, boolean writesEvery) {
        this.store = store;
        this.timeout = timeout;
        this.writesEvery = writesEvery;
        this.thread = new Thread(this::writeQueued, "phalanx-checkpoint-writer");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues {@code snapshot}, a copy the caller no longer touches, and returns at once: it is
     * written as soon as the running write (if any) ends, unless a newer snapshot replaces it first.
     *
     * @throws CheckpointException if a write failed or the running one is past {@code checkpoint_timeout}
     */
    public void submit(CheckpointSnapshot snapshot) {
        submit(snapshot, System.nanoTime());
    }

    /**
     * As {@link #submit(CheckpointSnapshot)}, for a snapshot whose copy began at {@code
     * pauseStartNanos} ({@link System#nanoTime()}): returns the seconds from then until the writer
     * took it, the pause the checkpoint cost training, which its {@link CheckpointWrite} reports.
     *
     * @throws CheckpointException if a write failed or the running one is past {@code checkpoint_timeout}
     */
    public double submit(CheckpointSnapshot snapshot, long pauseStartNanos) {
        synchronized (lock) {
            checkLocked();
            while (writesEvery && queued != null) {
                // Bounded: the running write either ends (and the queued one starts) or passes its
                // deadline, which checkLocked reports.
                waitLocked("for the checkpoint of step " + queued.globalStep() + " to start");
                checkLocked();
            }
            if (queued != null) {
                replaced++;
                // The first says what is going on; more of the same would flood the log every step.
                LOG.log(replaced == 1 ? Level.WARNING : Level.FINE, "checkpoint at step " + snapshot.globalStep()
                        + " replaces the one at step " + queued.globalStep() + ", which was still queued"
                        + (running == null ? "" : " behind the write of step " + running.globalStep()) + " to "
                        + store.location() + " (the store is slower than the checkpoint cadence; raise"
                        + " checkpoint_every_steps or checkpoint_interval if this repeats; later replacements are"
                        + " logged at level FINE and counted at the end)");
            }
            if (queued != null) {
                pauses.remove(queued.globalStep());
            }
            queued = snapshot;
            double pause = (System.nanoTime() - pauseStartNanos) / 1e9;
            pauses.put(snapshot.globalStep(), pause);
            lock.notifyAll();
            return pause;
        }
    }

    /**
     * Fails if a write failed or the running one is past {@code checkpoint_timeout}; cheap enough for
     * every step.
     *
     * @throws CheckpointException naming the store, and for a slow write also {@code checkpoint_timeout}
     */
    public void check() {
        synchronized (lock) {
            checkLocked();
        }
    }

    /**
     * Writes {@code last} after the running write (a queued snapshot is superseded by it) and waits
     * until it is committed.
     *
     * @throws CheckpointException if any write failed or took longer than {@code checkpoint_timeout}
     */
    public CheckpointInfo finish(CheckpointSnapshot last) {
        synchronized (lock) {
            checkLocked();
            while (writesEvery && queued != null) {
                waitLocked("for the checkpoint of step " + queued.globalStep() + " to start");
                checkLocked();
            }
            if (queued != null) {
                LOG.info("the final checkpoint at step " + last.globalStep() + " replaces the one at step "
                        + queued.globalStep() + ", still queued");
            }
            queued = last;
            lock.notifyAll();
            while (lastWritten == null || lastWritten.step() != last.globalStep()) {
                checkLocked();
                try {
                    lock.wait(FINISH_POLL_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CheckpointException("interrupted while waiting for the final checkpoint write to "
                            + store.location(), e);
                }
            }
            if (replaced > 0) {
                LOG.warning(replaced + " checkpoint(s) were replaced while queued behind slower writes to "
                        + store.location());
            }
            return lastWritten;
        }
    }

    /** Waits on the lock for one poll interval; holding it. */
    private void waitLocked(String what) {
        try {
            lock.wait(FINISH_POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting " + what + " to " + store.location(), e);
        }
    }

    private void checkLocked() {
        if (failure != null) {
            throw failure;
        }
        if (running != null && System.nanoTime() - runningSince > timeout.toNanos()) {
            failure = new CheckpointException("the checkpoint write of step " + running.globalStep() + " to "
                    + store.location() + " took longer than checkpoint_timeout = " + readable(timeout)
                    + "; the store is unreachable or too slow (raise checkpoint_timeout if it is merely slow)");
            throw failure;
        }
    }

    /** The writer thread: takes the queued snapshot, writes it, and again, until closed. */
    private void writeQueued() {
        while (true) {
            CheckpointSnapshot next;
            synchronized (lock) {
                while (queued == null && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // close() interrupts only after it stopped waiting for this thread.
                        return;
                    }
                }
                if (queued == null || failure != null) {
                    return;
                }
                next = queued;
                queued = null;
                running = next;
                runningSince = System.nanoTime();
            }
            CheckpointInfo written = null;
            CheckpointException failed = null;
            try {
                written = next instanceof ShardedState shard ? store.commitShard(shard)
                        : store.commit((TrainingState) next);
            } catch (CheckpointException e) {
                failed = e;
            } catch (RuntimeException | Error e) {
                failed = new CheckpointException("cannot write checkpoint of step " + next.globalStep() + " to "
                        + store.location() + ": " + e, e);
            }
            synchronized (lock) {
                running = null;
                if (failed != null && failure == null) {
                    failure = failed;
                }
                if (written != null) {
                    lastWritten = written;
                    Double pause = pauses.remove(next.globalStep());
                    finished.add(new CheckpointWrite(next.globalStep(), (System.nanoTime() - runningSince) / 1e9,
                            pause == null ? 0 : pause));
                }
                lock.notifyAll();
                if (failure != null) {
                    return;
                }
            }
        }
    }

    /** Returns the writes finished since the last call, oldest first, and forgets them. */
    public List<CheckpointWrite> takeFinished() {
        synchronized (lock) {
            List<CheckpointWrite> taken = List.copyOf(finished);
            finished.clear();
            return taken;
        }
    }

    /**
     * Lets the running write and then a queued one finish, each within its own {@code
     * checkpoint_timeout} (even if this thread is interrupted, as Spark does when it kills the tasks
     * of a failed barrier stage), so a worker that fails right after a checkpoint fell due does not
     * lose it; then stops the thread: interrupted if a write is past its bound, and never waited for
     * longer than that. After a failed write nothing more is written.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
        }
        boolean interrupted = false;
        long idleDeadline = 0;
        boolean idle = false;
        while (thread.isAlive()) {
            long deadline;
            boolean writing;
            synchronized (lock) {
                writing = running != null;
                if (!writing && !idle) {
                    idleDeadline = System.nanoTime() + IDLE_EXIT_NANOS;
                }
                idle = !writing;
                deadline = writing ? runningSince + timeout.toNanos() : idleDeadline;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                if (writing) {
                    LOG.warning("a checkpoint write to " + store.location() + " did not finish within"
                            + " checkpoint_timeout = " + readable(timeout) + "; abandoning it (it stays invisible:"
                            + " only committed checkpoints are listed)");
                }
                thread.interrupt();
                interrupted |= joinQuietly(ABANDON_JOIN_MILLIS);
                break;
            }
            // Short joins: a queued snapshot's write starts with a deadline of its own.
            interrupted |= joinQuietly(Math.max(1, Math.min(CLOSE_POLL_MILLIS, TimeUnit.NANOSECONDS.toMillis(left))));
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} for the writer thread to end; returns whether this thread was interrupted. */
    private boolean joinQuietly(long millis) {
        try {
            thread.join(millis);
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** A duration as config files write it, {@code 10m} rather than {@code PT10M}. */
    private static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
