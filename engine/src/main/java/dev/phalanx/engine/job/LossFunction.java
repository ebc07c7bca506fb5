package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * The loss a run minimises: its {@link Objective} and, for cross-entropy, label smoothing — the
 * target puts {@code 1 - labelSmoothing} on the label and spreads {@code labelSmoothing} evenly
 * over all classes — and class weights, as {@code torch.nn.functional.cross_entropy(weight=…,
 * label_smoothing=…)} defines them: each sample's loss weighted by its class's weight, the batch's
 * sum divided by the sum of its samples' weights.
 *
 * <p>That sum is the whole global batch's, so a worker cannot know it alone: {@code denominator}
 * carries the share of it each part of a batch divides by ({@link #normalizedBy}).
 *
 * @param objective cross-entropy or mean squared error
 * @param labelSmoothing in {@code [0, 1)}; 0 for plain cross-entropy (and for mse)
 * @param classWeights one weight per class, or empty for none
 * @param denominator with class weights, what a part's weighted sums are divided by (its share of
 *     the global batch's weight sum); 0 otherwise
 */
public record LossFunction(Objective objective, double labelSmoothing, double[] classWeights, double denominator)
        implements Serializable {

    /** Checks the smoothing and weights. */
    public LossFunction {
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 1), got " + labelSmoothing);
        }
        classWeights = classWeights == null ? new double[0] : classWeights.clone();
    }

    /** A loss without class weights. */
    public LossFunction(Objective objective, double labelSmoothing) {
        this(objective, labelSmoothing, new double[0], 0);
    }

    /** The objective's loss without smoothing. */
    public static LossFunction of(Objective objective) {
        return new LossFunction(objective, 0);
    }

    /** Whether samples are weighted by class. */
    public boolean weighted() {
        return classWeights.length > 0;
    }

    /** Returns this loss with the given weighted sums' divisor. */
    public LossFunction normalizedBy(double value) {
        return new LossFunction(objective, labelSmoothing, classWeights, value);
    }

    /** Returns the sum of the weights of the samples with these class labels. */
    public double weightOf(long[] labels, int count) {
        double sum = 0;
        for (int i = 0; i < count; i++) {
            sum += classWeights[(int) labels[i]];
        }
        return sum;
    }
}
