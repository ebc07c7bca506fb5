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
 * Writes checkpoints on a background thread so training only pauses to copy its state. One write
 * at a time: a checkpoint due while the previous one is still being written is skipped (and
 * logged) rather than stalling training. A failed write fails the next call, so a broken store
 * cannot silently lose the "nothing lost" promise.
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
     * Starts writing {@code snapshot} (a copy the caller no longer touches) unless a write is
     * still running.
     *
     * @return whether the write was started
     * @throws CheckpointException if the previous write failed
     */
    public boolean submit(TrainingState snapshot) {
        if (pending != null && !pending.isDone()) {
            LOG.warning("checkpoint at step " + snapshot.globalStep() + " skipped: the previous one is still being"
                    + " written (raise the checkpoint interval if this repeats)");
            return false;
        }
        awaitPending();
        pending = thread.submit(() -> store.commit(snapshot));
        return true;
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

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
