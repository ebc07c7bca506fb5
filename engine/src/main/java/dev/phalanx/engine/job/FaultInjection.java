package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * A deliberate failure for testing recovery and timeouts, in the first attempt only: worker {@code
 * rank} either throws just before global step {@code step} (0-based), as a preempted executor would
 * fail, or ({@link #stallsBeforeRendezvous()}) never reaches the rendezvous, as a worker stuck in
 * start-up would, so that the others must give up after {@code rendezvous_timeout}.
 *
 * @param rank the worker that fails
 * @param step the global step before which it fails; {@link #BEFORE_RENDEZVOUS} for a stall
 */
public record FaultInjection(int rank, long step) implements Serializable {

    /** The {@code step} of a stall before the rendezvous. */
    public static final long BEFORE_RENDEZVOUS = -1;
    private static final String RENDEZVOUS = "rendezvous";
    private static final String SYNTAX = "fault_injection must look like rank:step or rank:" + RENDEZVOUS;

    /** Returns a fault that makes worker {@code rank} stall before the rendezvous. */
    public static FaultInjection stallBeforeRendezvous(int rank) {
        return new FaultInjection(rank, BEFORE_RENDEZVOUS);
    }

    /**
     * Parses {@code "rank:step"}, for example {@code "1:250"}, or {@code "rank:rendezvous"}, for
     * example {@code "1:rendezvous"}.
     */
    public static FaultInjection parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException(SYNTAX + ", got '" + text + "'");
        }
        try {
            int rank = Integer.parseInt(parts[0].trim());
            if (parts[1].trim().equals(RENDEZVOUS)) {
                return stallBeforeRendezvous(rank);
            }
            long step = Long.parseLong(parts[1].trim());
            if (step < 0) {
                throw new IllegalArgumentException(SYNTAX + ", got '" + text + "'");
            }
            return new FaultInjection(rank, step);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SYNTAX + ", got '" + text + "'");
        }
    }

    /** Returns whether this fault is a stall before the rendezvous rather than a failure before a step. */
    public boolean stallsBeforeRendezvous() {
        return step == BEFORE_RENDEZVOUS;
    }

    /** Returns the fault as {@link #parse} reads it. */
    public String text() {
        return rank + ":" + (stallsBeforeRendezvous() ? RENDEZVOUS : Long.toString(step));
    }
}
