package dev.phalanx.engine.api;

import dev.phalanx.engine.worker.EpochMetrics;

/** Receives each epoch's metrics on the driver while training runs. Called from one thread. */
@FunctionalInterface
public interface ProgressListener {

    /** Called once per finished epoch, in order. Must not block for long. */
    void onEpoch(EpochMetrics metrics);
}
