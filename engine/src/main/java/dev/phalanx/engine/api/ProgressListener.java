package dev.phalanx.engine.api;

import dev.phalanx.engine.worker.EpochMetrics;

/** Receives each epoch's metrics on the driver while training runs. Must not block for long. */
@FunctionalInterface
public interface ProgressListener {

    /** Called once per finished epoch, in order. */
    void onEpoch(EpochMetrics metrics);

    /** Called with a one-line notice, for example that a failed attempt is being relaunched. */
    default void onEvent(String message) {}
}
