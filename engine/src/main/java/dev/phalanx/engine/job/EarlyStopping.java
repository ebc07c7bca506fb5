package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.List;

/**
 * When training stops early and which validation is the best, as Keras' {@code EarlyStopping}
 * decides it: a validation improves on the best so far when its metric is better by more than
 * {@code minDelta}; training stops once {@code patience} validations in a row have not. A pure
 * function of the validations, which checkpoints hold, so a resumed run decides exactly as the
 * uninterrupted one.
 *
 * @param metric the watched metric, one of {@link Evaluation#metricsOf}
 * @param patience validations without improvement before stopping; 0 = never stop
 * @param minDelta the least change that counts as an improvement
 */
public record EarlyStopping(String metric, int patience, double minDelta) implements Serializable {

    /** Returns whether early stopping is on. */
    public boolean enabled() {
        return patience > 0;
    }

    /** Returns the index of the best validation in {@code validations}, -1 when there is none. */
    public int best(List<Validation> validations) {
        boolean higher = Evaluation.higherIsBetter(metric);
        int best = -1;
        double bestValue = Double.NaN;
        for (int i = 0; i < validations.size(); i++) {
            double value = validations.get(i).evaluation().metric(metric);
            if (Double.isNaN(value)) {
                continue;
            }
            if (best < 0 || (higher ? value > bestValue + minDelta : value < bestValue - minDelta)) {
                best = i;
                bestValue = value;
            }
        }
        return best;
    }

    /** Returns whether training stops after {@code validations}: the last {@code patience} did not improve. */
    public boolean shouldStop(List<Validation> validations) {
        if (!enabled() || validations.isEmpty()) {
            return false;
        }
        return validations.size() - 1 - best(validations) >= patience;
    }
}
