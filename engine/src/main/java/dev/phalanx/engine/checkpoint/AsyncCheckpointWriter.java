package dev.phalanx.engine.checkpoint;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Logger;

/**
 * Writes checkpoints on a background thread so training only pauses to copy its state.
 *
 * <p>One write at a time: a checkpoint that falls due while the previous one is still being
 * written waits for it (and says so in the log), so the cadence stays exactly as configured and
 * reruns checkpoint at the same steps. With a sensible interval the previous write finished long
 * before. A failed write fails the next call, so a broken store cannot silently break the
 * "nothing lost" promise.
 */
public final class AsyncCheckpointWriter implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(AsyncCheckpointWriter.class.getName());

    private final CheckpointStore store;
    private final Duration timeout;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(task -> {
        Thread t = new Thread(task, "phalanx-checkpoint-writer");
        t.setDaemon(true);
        return t;
    });
    private Future<CheckpointInfo> pending;

    /**
     * Creates a writer into {@code store}.
     *
     * @param timeout the longest to wait for a running write before the final one
     */
    public AsyncCheckpointWriter(CheckpointStore store, Duration timeout) {
        this.store = store;
        this.timeout = timeout;
    }

    /**
     * Starts writing {@code snapshot}, a copy the caller no longer touches, once the previous
     * write has finished.
     *
     * @throws CheckpointException if the previous write failed
     */
    public void submit(TrainingState snapshot) {
        if (pending != null && !pending.isDone()) {
            LOG.warning("checkpoint at step " + snapshot.globalStep() + " waits for the previous one to be written;"
                    + " training is stalled meanwhile (raise the checkpoint interval if this repeats)");
        }
        awaitPending();
        pending = thread.submit(() -> store.commit(snapshot));
    }

    /**
     * Waits for a running write, then writes {@code last} before returning.
     *
     * @throws CheckpointException if any write failed or the running one took longer than the timeout
     */
    public CheckpointInfo finish(TrainingState last) {
        awaitPending();
        return store.commit(last);
    }

    private void awaitPending() {
        if (pending == null) {
            return;
        }
        try {
            pending.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof CheckpointException ce ? ce : new CheckpointException("checkpoint failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new CheckpointException("a checkpoint write to " + store.location() + " took longer than " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while waiting for a checkpoint write", e);
        } finally {
            pending = null;
        }
    }

    /**
     * Lets a running write finish (up to the timeout, even if this thread is interrupted, as Spark
     * does when it kills the tasks of a failed barrier stage) so a worker that fails right after a
     * checkpoint started does not lose it; then stops the thread.
     */
    @Override
    public void close() {
        thread.shutdown();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean interrupted = false;
        try {
            while (!thread.isTerminated()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warning("a checkpoint write to " + store.location() + " did not finish within " + timeout
                            + "; abandoning it (it stays invisible: only committed checkpoints are listed)");
                    break;
                }
                try {
                    thread.awaitTermination(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            thread.shutdownNow();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
