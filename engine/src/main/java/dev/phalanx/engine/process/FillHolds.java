package dev.phalanx.engine.process;

import java.util.function.IntPredicate;

/**
 * Counts who needs malloc's fill in this process: the first hold turns it on, the last release
 * turns it off again, so a long-lived process (a notebook's interpreter, an executor) runs without
 * the fill's cost once the last model that needed it is done. Replicas training in one JVM (Spark
 * local mode) and models built for scoring hold it independently.
 *
 * <p>Off is glibc's default (0): a fill the environment set at start-up is never turned on by a
 * hold, so it is never turned off by a release either ({@link OneDnnPaddingGuard#protect}).
 */
final class FillHolds {

    private final IntPredicate setFill;
    private int holders;

    /** @param setFill sets malloc's fill value for the whole process, false if the C library refuses */
    FillHolds(IntPredicate setFill) {
        this.setFill = setFill;
    }

    /** Takes a hold, turning the fill on if no one holds it yet; false (and no hold) if it cannot be turned on. */
    synchronized boolean hold() {
        if (holders == 0 && !setFill.test(OneDnnPaddingGuard.FILL_VALUE)) {
            return false;
        }
        holders++;
        return true;
    }

    /** Gives back one hold; the last turns the fill off. */
    synchronized void release() {
        if (holders == 0) {
            throw new IllegalStateException("malloc's fill released more often than held");
        }
        if (--holders == 0) {
            setFill.test(0);
        }
    }

    /** Returns how many holds are taken, for tests. */
    synchronized int holders() {
        return holders;
    }
}
