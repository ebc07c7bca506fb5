package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * The loss a run minimises: its {@link Objective} and, for cross-entropy, label smoothing — the
 * target puts {@code 1 - labelSmoothing} on the label and spreads {@code labelSmoothing} evenly
 * over all classes, as {@code torch.nn.functional.cross_entropy(label_smoothing=…)} does.
 *
 * @param objective cross-entropy or mean squared error
 * @param labelSmoothing in {@code [0, 1)}; 0 for plain cross-entropy (and for mse)
 */
public record LossFunction(Objective objective, double labelSmoothing) implements Serializable {

    /** Checks the smoothing. */
    public LossFunction {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1), got " + labelSmoothing);
        }
    }

    /** The objective's loss without smoothing. */
    public static LossFunction of(Objective objective) {
        return new LossFunction(objective, 0);
    }
}
