package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.StepSplit;
import java.util.Arrays;

/**
 * Where the time of a training step goes, per phase, on one worker. Records up to {@link
 * #CAPACITY} steps and reports medians over the second half of those, the steady state.
 */
final class StepProfile {

    static final int CAPACITY = 65_536;

    /** The phases of a step, in order. */
    enum Phase {
        DATA, FORWARD_BACKWARD, GRADIENTS_OUT, ALL_REDUCE, OPTIMIZER
    }

    private final long[][] nanos;
    private final long[] totals;
    private int steps;
    private long stepStart;
    private long phaseStart;
    /** The phases of the step in progress, or of the one just ended. */
    private final long[] current = new long[Phase.values().length];
    private long lastStepNanos;

    StepProfile(long expectedSteps) {
        int capacity = (int) Math.min(CAPACITY, Math.max(1, expectedSteps));
        this.nanos = new long[Phase.values().length][capacity];
        this.totals = new long[capacity];
    }

    void startStep() {
        stepStart = System.nanoTime();
        phaseStart = stepStart;
        Arrays.fill(current, 0);
    }

    /** Ends a phase; a phase ended twice in a step (a sharded optimizer's two collectives) counts both. */
    void endPhase(Phase phase) {
        long now = System.nanoTime();
        if (steps < totals.length) {
            nanos[phase.ordinal()][steps] += now - phaseStart;
        }
        current[phase.ordinal()] += now - phaseStart;
        phaseStart = now;
    }

    void endStep() {
        lastStepNanos = System.nanoTime() - stepStart;
        if (steps < totals.length) {
            totals[steps] = lastStepNanos;
        }
        steps++;
    }

    /** Returns the time the step just ended spent in {@code phase}. */
    long lastStep(Phase phase) {
        return current[phase.ordinal()];
    }

    /** Returns the whole time of the step just ended. */
    long lastStepNanos() {
        return lastStepNanos;
    }

    /** Returns the medians over the second half of the recorded steps. */
    StepSplit split() {
        int recorded = Math.min(steps, totals.length);
        if (recorded == 0) {
            return new StepSplit(0, 0, 0, 0, 0, 0, 0);
        }
        int from = recorded / 2;
        return new StepSplit(median(totals, from, recorded), median(nanos[0], from, recorded),
                median(nanos[1], from, recorded), median(nanos[2], from, recorded), median(nanos[3], from, recorded),
                median(nanos[4], from, recorded), recorded - from);
    }

    private static double median(long[] values, int from, int to) {
        long[] part = Arrays.copyOfRange(values, from, to);
        Arrays.sort(part);
        int mid = part.length / 2;
        double nanos = part.length % 2 == 1 ? part[mid] : (part[mid - 1] + part[mid]) / 2.0;
        return nanos / 1e6;
    }
}
