package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * A deliberate failure for testing recovery and timeouts, in the first attempt only: worker {@code
 * rank} either throws just before global step {@code step} (0-based), as a preempted executor would
 * fail, or ({@link #stallsBeforeRendezvous()}) never reaches the rendezvous, as a worker stuck in
 * start-up would, so that the others must give up after {@code rendezvous_timeout}, or ({@link
 * #slowMillis()} above 0) sleeps that long before every step, as a straggler would.
 *
 * @param rank the worker that fails
 * @param step the global step before which it fails; {@link #BEFORE_RENDEZVOUS} for a stall; unused
 *     for a slowed worker
 * @param slowMillis how long the worker sleeps before every step; 0 when it fails or stalls instead
 */
public record FaultInjection(int rank, long step, int slowMillis) implements Serializable {

    /** The {@code step} of a stall before the rendezvous. */
    public static final long BEFORE_RENDEZVOUS = -1;
    private static final String RENDEZVOUS = "rendezvous";
    private static final String SLOW = "slow";
    private static final String SYNTAX = "fault_injection must look like rank:step, rank:" + RENDEZVOUS + " or rank:"
            + SLOW + ":milliseconds";

    /** A failure of worker {@code rank} before global step {@code step} (or a stall, see {@link #BEFORE_RENDEZVOUS}). */
    public FaultInjection(int rank, long step) {
        this(rank, step, 0);
    }

    /** Returns a fault that makes worker {@code rank} sleep {@code millis} before every step. */
    public static FaultInjection slow(int rank, int millis) {
        return new FaultInjection(rank, 0, millis);
    }

    /** Returns a fault that makes worker {@code rank} stall before the rendezvous. */
    public static FaultInjection stallBeforeRendezvous(int rank) {
        return new FaultInjection(rank, BEFORE_RENDEZVOUS);
    }

    /**
     * Parses {@code "rank:step"}, for example {@code "1:250"}, {@code "rank:rendezvous"}, for example
     * {@code "1:rendezvous"}, or {@code "rank:slow:milliseconds"}, for example {@code "1:slow:50"}.
     */
    public static FaultInjection parse(String text) {
        String[] parts = text.split(":");
        if (parts.length == 3 && parts[1].trim().equals(SLOW)) {
            try {
                int millis = Integer.parseInt(parts[2].trim());
                if (millis > 0) {
                    return slow(Integer.parseInt(parts[0].trim()), millis);
                }
            } catch (NumberFormatException e) {
                // Reported below.
            }
            throw new IllegalArgumentException(SYNTAX + " (a positive number of milliseconds), got '" + text + "'");
        }
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
        return slowMillis == 0 && step == BEFORE_RENDEZVOUS;
    }

    /** Returns the fault as {@link #parse} reads it. */
    public String text() {
        if (slowMillis > 0) {
            return rank + ":" + SLOW + ":" + slowMillis;
        }
        return rank + ":" + (stallsBeforeRendezvous() ? RENDEZVOUS : Long.toString(step));
    }
}
