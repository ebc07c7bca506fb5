package dev.phalanx.engine.api;

import dev.phalanx.engine.job.Objective;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * A trained model's metrics on a labelled data set, summed on the executors partition by
 * partition: for classification the confusion matrix (accuracy, per-class and macro/weighted
 * precision, recall and F1 follow from it), for regression the sums behind MSE, RMSE, MAE and R².
 * Partial evaluations of partitions add up with {@link #plus}.
 *
 * @param objective what the model was trained for
 * @param classes the number of classes (1 for regression)
 * @param count rows evaluated
 * @param confusion {@code classes × classes} counts, row = label, column = prediction (empty for regression)
 * @param squaredError the sum of squared errors (regression)
 * @param absoluteError the sum of absolute errors (regression)
 * @param targetSum the sum of the targets (regression)
 * @param targetSquares the sum of the targets' squares (regression)
 */
public record Evaluation(Objective objective, int classes, long count, long[] confusion, double squaredError,
        double absoluteError, double targetSum, double targetSquares) implements Serializable {

    /** Nothing evaluated yet. */
    static Evaluation empty(Objective objective, int classes) {
        return new Evaluation(objective, classes, 0, new long[objective.classifies() ? classes * classes : 0], 0, 0,
                0, 0);
    }

    /** Returns both evaluations together. */
    Evaluation plus(Evaluation other) {
        long[] sum = confusion.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.confusion[i];
        }
        return new Evaluation(objective, classes, count + other.count, sum, squaredError + other.squaredError,
                absoluteError + other.absoluteError, targetSum + other.targetSum, targetSquares + other.targetSquares);
    }

    /** Returns the fraction of rows whose label is the predicted class. */
    public double accuracy() {
        requireClassification();
        long correct = 0;
        for (int c = 0; c < classes; c++) {
            correct += confusion[c * classes + c];
        }
        return count == 0 ? Double.NaN : (double) correct / count;
    }

    /** Returns the precision of class {@code c}: of the rows predicted {@code c}, the fraction labelled so (0 if none). */
    public double precision(int c) {
        requireClassification();
        long predicted = 0;
        for (int label = 0; label < classes; label++) {
            predicted += confusion[label * classes + c];
        }
        return predicted == 0 ? 0 : (double) confusion[c * classes + c] / predicted;
    }

    /** Returns the recall of class {@code c}: of the rows labelled {@code c}, the fraction predicted so (0 if none). */
    public double recall(int c) {
        requireClassification();
        long labelled = support(c);
        return labelled == 0 ? 0 : (double) confusion[c * classes + c] / labelled;
    }

    /** Returns the F1 score of class {@code c} (0 when precision and recall are both 0). */
    public double f1(int c) {
        double p = precision(c);
        double r = recall(c);
        return p + r == 0 ? 0 : 2 * p * r / (p + r);
    }

    /** Returns the number of rows labelled {@code c}. */
    public long support(int c) {
        long labelled = 0;
        for (int predicted = 0; predicted < classes; predicted++) {
            labelled += confusion[c * classes + predicted];
        }
        return labelled;
    }

    /** Returns the unweighted mean of the classes' F1 scores. */
    public double macroF1() {
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += f1(c);
        }
        return sum / classes;
    }

    /** Returns the mean of the classes' F1 scores weighted by their support, as Spark ML's {@code f1}. */
    public double weightedF1() {
        return weighted(this::f1);
    }

    /** Returns the mean of the classes' precisions weighted by their support. */
    public double weightedPrecision() {
        return weighted(this::precision);
    }

    /** Returns the mean of the classes' recalls weighted by their support. */
    public double weightedRecall() {
        return weighted(this::recall);
    }

    private double weighted(IntToDoubleFunction metric) {
        requireClassification();
        double sum = 0;
        for (int c = 0; c < classes; c++) {
            sum += support(c) * metric.applyAsDouble(c);
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /** Returns the mean squared error. */
    public double meanSquaredError() {
        requireRegression();
        return squaredError / count;
    }

    /** Returns the root of the mean squared error. */
    public double rootMeanSquaredError() {
        return Math.sqrt(meanSquaredError());
    }

    /** Returns the mean absolute error. */
    public double meanAbsoluteError() {
        requireRegression();
        return absoluteError / count;
    }

    /** Returns R²: one minus the squared error over the targets' squared deviation from their mean. */
    public double r2() {
        requireRegression();
        double deviation = targetSquares - targetSum * targetSum / count;
        return 1 - squaredError / deviation;
    }

    private void requireClassification() {
        if (!objective.classifies()) {
            throw new IllegalStateException("the model was trained for regression (loss mse): it has no class metrics");
        }
    }

    private void requireRegression() {
        if (objective.classifies()) {
            throw new IllegalStateException("the model was trained for classification (loss cross_entropy): it has no"
                    + " regression metrics");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Evaluation other && objective == other.objective && classes == other.classes
                && count == other.count && Arrays.equals(confusion, other.confusion)
                && squaredError == other.squaredError && absoluteError == other.absoluteError
                && targetSum == other.targetSum && targetSquares == other.targetSquares;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(confusion) * 31 + Long.hashCode(count);
    }

    @Override
    public String toString() {
        return objective.classifies()
                ? String.format(Locale.ROOT, "accuracy %.4f, macro F1 %.4f, weighted F1 %.4f on %d rows",
                        accuracy(), macroF1(), weightedF1(), count)
                : String.format(Locale.ROOT, "mse %.5f, rmse %.5f, mae %.5f, r2 %.4f on %d rows",
                        meanSquaredError(), rootMeanSquaredError(), meanAbsoluteError(), r2(), count);
    }
}
