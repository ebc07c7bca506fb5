package dev.phalanx.engine.plan;

/**
 * What decides how much of a long run's wall time trains, at a scale where cards fail.
 *
 * @param cards how many accelerators the run holds
 * @param cardMtbfHours mean time between failures of one card (with its share of host, network
 *     and software faults), in hours; the run as a whole fails every {@code cardMtbfHours / cards}
 * @param detectionSeconds from a failure until the job knows (a collective's timeout, a lost executor)
 * @param relaunchSeconds from then until training resumes: new executors, rendezvous, loading the
 *     newest checkpoint
 * @param checkpointPauseSeconds how long each checkpoint stops training (Phalanx copies the state
 *     and writes it on another thread: the copy is the pause)
 * @param checkpointWriteSeconds how long after the pause the checkpoint becomes durable; a failure
 *     in that window falls back to the one before
 * @param checkpointIntervalSeconds training time between checkpoints
 */
public record RunAtScale(long cards, double cardMtbfHours, double detectionSeconds, double relaunchSeconds,
        double checkpointPauseSeconds, double checkpointWriteSeconds, double checkpointIntervalSeconds) {

    /** Checks the values. */
    public RunAtScale {
        if (cards < 1 || !(cardMtbfHours > 0) || detectionSeconds < 0 || relaunchSeconds < 0
                || checkpointPauseSeconds < 0 || checkpointWriteSeconds < 0 || !(checkpointIntervalSeconds > 0)) {
            throw new IllegalArgumentException("a run needs cards >= 1, a positive card MTBF and checkpoint interval,"
                    + " and no negative time; got " + this);
        }
    }

    /** The run's mean time between failures, in seconds. */
    public double systemMtbfSeconds() {
        return cardMtbfHours * 3600 / cards;
    }

    /** The same run with another checkpoint interval. */
    public RunAtScale withCheckpointInterval(double seconds) {
        return new RunAtScale(cards, cardMtbfHours, detectionSeconds, relaunchSeconds, checkpointPauseSeconds,
                checkpointWriteSeconds, seconds);
    }

    /** The same run on another number of cards. */
    public RunAtScale withCards(long count) {
        return new RunAtScale(count, cardMtbfHours, detectionSeconds, relaunchSeconds, checkpointPauseSeconds,
                checkpointWriteSeconds, checkpointIntervalSeconds);
    }
}
