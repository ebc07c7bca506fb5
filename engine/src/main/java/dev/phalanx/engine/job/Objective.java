package dev.phalanx.engine.job;

import java.util.Locale;

/**
 * What training minimises, and so what a label is: a class index under softmax cross-entropy, or
 * a real-valued target under mean squared error (regression, one output per sample).
 *
 * <p>Labels travel through the shard store as 4-byte values: a class index as an int, a
 * regression target as the raw bits of its float32 ({@link #encode}), so one record layout serves
 * both.
 */
public enum Objective {
    /** Classification: softmax cross-entropy over one logit per class. */
    CROSS_ENTROPY("cross_entropy"),
    /** Regression: mean squared error of one output against a real target. */
    MSE("mse");

    private final String key;

    Objective(String key) {
        this.key = key;
    }

    /** Returns the name used in configs, {@code cross_entropy} or {@code mse}. */
    public String key() {
        return key;
    }

    /**
     * Returns the objective a config names.
     *
     * @throws IllegalArgumentException naming the known ones
     */
    public static Objective parse(String name) {
        for (Objective objective : values()) {
            if (objective.key.equals(name.toLowerCase(Locale.ROOT))) {
                return objective;
            }
        }
        throw new IllegalArgumentException("'" + name + "' is unknown; known losses: cross_entropy, mse");
    }

    /** Returns whether labels are class indices (and accuracy means something). */
    public boolean classifies() {
        return this == CROSS_ENTROPY;
    }

    /** Returns a label's 4-byte form: the class index, or the float32 bits of the target. */
    public int encode(double label) {
        return classifies() ? (int) label : Float.floatToRawIntBits((float) label);
    }

    /** Returns a regression target from its encoded form. */
    public static float target(long encoded) {
        return Float.intBitsToFloat((int) encoded);
    }
}
