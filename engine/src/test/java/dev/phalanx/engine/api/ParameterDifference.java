package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How far apart two runs' parameter vectors end, as the equivalence tests measure it. */
final class ParameterDifference {

    private ParameterDifference() {}

    /** Returns {@code ||a - b|| / ||a||} over the whole vector. */
    static double normRelative(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            difference += (double) (a[i] - b[i]) * (a[i] - b[i]);
            norm += (double) a[i] * a[i];
        }
        return Math.sqrt(difference / norm);
    }

    /** Returns the largest {@code |a_i - b_i| / max(|a_i|, 1e-3)}: relative, but not to parameters near 0. */
    static double maxRelative(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]) / Math.max(Math.abs(a[i]), 1e-3));
        }
        return max;
    }
}
