package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * A deliberate failure for testing recovery: worker {@code rank} throws just before global step
 * {@code step} (0-based) in the first attempt only, as a preempted executor would fail.
 *
 * @param rank the worker that fails
 * @param step the global step before which it fails
 */
public record FaultInjection(int rank, long step) implements Serializable {

    /** Parses {@code "rank:step"}, for example {@code "1:250"}. */
    public static FaultInjection parse(String text) {
        String[] parts = text.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("fault_injection must look like rank:step, got '" + text + "'");
        }
        try {
            return new FaultInjection(Integer.parseInt(parts[0].trim()), Long.parseLong(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("fault_injection must look like rank:step, got '" + text + "'");
        }
    }
}
