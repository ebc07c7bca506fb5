package dev.phalanx.engine.plan;

/**
 * The checkpoint interval that loses the least time to checkpoints and failures together, and the
 * first-order share of time a run trains.
 *
 * <p>Young (1974) and Daly (2006): with a checkpoint cost {@code C} (here the pause) and a mean
 * time between failures {@code M}, the interval {@code sqrt(2 C M)} balances the time spent
 * checkpointing, {@code C / tau}, against the work a failure throws away, half an interval on
 * average; Daly's higher-order form corrects it when {@code C} is not small beside {@code M}.
 */
public final class CheckpointCadence {

    private CheckpointCadence() {}

    /** Young's interval {@code sqrt(2 C M)}, in seconds. */
    public static double young(double pauseSeconds, double mtbfSeconds) {
        return Math.sqrt(2 * pauseSeconds * mtbfSeconds);
    }

    /**
     * Daly's interval: {@code sqrt(2 C M) * (1 + sqrt(C / 2M) / 3 + (C / 2M) / 9) - C} while {@code C
     * < 2M}, else {@code M}.
     */
    public static double daly(double pauseSeconds, double mtbfSeconds) {
        if (pauseSeconds >= 2 * mtbfSeconds) {
            return mtbfSeconds;
        }
        double ratio = pauseSeconds / (2 * mtbfSeconds);
        return Math.sqrt(2 * pauseSeconds * mtbfSeconds) * (1 + Math.sqrt(ratio) / 3 + ratio / 9) - pauseSeconds;
    }

    /**
     * The first-order share of wall time that trains, valid while interval, write, detection and
     * relaunch are small beside the MTBF: each interval pays the pause, each failure the detection,
     * the relaunch, the write window and half an interval of lost work.
     */
    public static double firstOrderEfficiency(RunAtScale run) {
        double tau = run.checkpointIntervalSeconds();
        double perInterval = run.checkpointPauseSeconds() / (tau + run.checkpointPauseSeconds());
        double perFailure = run.detectionSeconds() + run.relaunchSeconds() + run.checkpointWriteSeconds()
                + (tau + run.checkpointPauseSeconds()) / 2;
        return (1 - perInterval) * (1 - perFailure / run.systemMtbfSeconds());
    }
}
