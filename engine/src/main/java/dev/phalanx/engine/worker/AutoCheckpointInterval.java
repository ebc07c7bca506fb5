package dev.phalanx.engine.worker;

import dev.phalanx.engine.plan.CheckpointCadence;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code checkpoint_interval = auto}: Daly's interval for the job's mean time between failures and
 * the pause a checkpoint costs training, as last measured. The pause is the time the training loop
 * waits to hand a checkpoint over: copying the state, and waiting for the previous write when that
 * has not finished (so a store slower than the interval lengthens it). Until the first checkpoint
 * has been measured, a pause of {@link #ASSUMED_PAUSE_SECONDS} is assumed.
 */
public final class AutoCheckpointInterval {

    /** The pause assumed before one is measured: generous for a small model, modest for a large one. */
    static final double ASSUMED_PAUSE_SECONDS = 1;

    private final double jobMtbfSeconds;
    private double pauseSeconds = ASSUMED_PAUSE_SECONDS;
    private boolean measured;

    /** @param jobMtbf the job's mean time between failures: one worker's over the number of workers */
    public AutoCheckpointInterval(Duration jobMtbf) {
        if (jobMtbf.isNegative() || jobMtbf.isZero()) {
            throw new IllegalArgumentException("the job's MTBF must be positive, got " + jobMtbf);
        }
        this.jobMtbfSeconds = jobMtbf.toNanos() / 1e9;
    }

    /** Records the pause the latest checkpoint cost. */
    void measured(double seconds) {
        pauseSeconds = seconds;
        measured = true;
    }

    /** Returns the interval to the next checkpoint. */
    public Duration interval() {
        return Duration.ofNanos(Math.round(CheckpointCadence.daly(pauseSeconds, jobMtbfSeconds) * 1e9));
    }

    /** Describes the interval and what it was chosen from, for the log. */
    public String describe() {
        return String.format(Locale.ROOT, "checkpoint_interval auto: %.3g s (Daly, from a checkpoint pause of %.3g s%s"
                + " and a job MTBF of %.3g s)", interval().toNanos() / 1e9, pauseSeconds,
                measured ? "" : " assumed until one is measured", jobMtbfSeconds);
    }
}
