package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.function.IntToDoubleFunction;

/**
 * A model's metrics on a labelled data set, summed partition by partition on the executors (a
 * test set) or shard by shard on the workers (a validation set): the mean loss, for classification
 * the confusion matrix (accuracy, per-class and macro/weighted precision, recall and F1 follow from
 * it) and the top-k hits, for regression the sums behind MSE, RMSE, MAE and R². Partial evaluations
 * add up with {@link #plus}. The loss is the objective's own (cross-entropy or squared error),
 * without label smoothing or class weights, so it compares across runs that train with either.
 *
 * @param objective what the model was trained for
 * @param classes the number of classes (1 for regression)
 * @param count rows evaluated
 * @param lossSum the sum of the rows' losses
 * @param confusion {@code classes × classes} counts, row = label, column = prediction (empty for regression)
 * @param topK the k of {@link #topKAccuracy} (0: not counted)
 * @param topKHits rows whose label is among the {@code topK} highest scores
 * @param squaredError the sum of squared errors (regression)
 * @param absoluteError the sum of absolute errors (regression)
 * @param targetSum the sum of the targets (regression)
 * @param targetSquares the sum of the targets' squares (regression)
 */
public record Evaluation(Objective objective, int classes, long count, double lossSum, long[] confusion, int topK,
        long topKHits, double squaredError, double absoluteError, double targetSum, double targetSquares)
        implements Serializable {

    /** The metrics {@link #metric} knows, by objective. */
    public static final List<String> CLASSIFICATION_METRICS =
            List.of("loss", "accuracy", "top_k_accuracy", "macro_f1", "weighted_f1");
    /** The regression metrics {@link #metric} knows. */
    public static final List<String> REGRESSION_METRICS = List.of("loss", "mse", "rmse", "mae", "r2");

    /** The k of top-k accuracy unless a job sets {@code top_k}, as Keras' {@code top_k_categorical_accuracy}. */
    public static final int DEFAULT_TOP_K = 5;

    /** Returns the k counted for a model of {@code classes} classes: {@code topK}, or 0 when that covers every class. */
    public static int topKFor(int topK, int classes) {
        return topK > 0 && topK < classes ? topK : 0;
    }

    /** Nothing evaluated yet. */
    public static Evaluation empty(Objective objective, int classes, int topK) {
        return new Evaluation(objective, classes, 0, 0, new long[objective.classifies() ? classes * classes : 0], topK,
                0, 0, 0, 0, 0);
    }

    /** Returns both evaluations together. */
    public Evaluation plus(Evaluation other) {
        long[] sum = confusion.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.confusion[i];
        }
        return new Evaluation(objective, classes, count + other.count, lossSum + other.lossSum, sum, topK,
                topKHits + other.topKHits, squaredError + other.squaredError, absoluteError + other.absoluteError,
                targetSum + other.targetSum, targetSquares + other.targetSquares);
    }

    /** Returns the mean loss per row. */
    public double loss() {
        return count == 0 ? Double.NaN : lossSum / count;
    }

    /** Returns the fraction of rows whose label is among the {@link #topK} highest-scored classes. */
    public double topKAccuracy() {
        requireClassification();
        return count == 0 || topK == 0 ? Double.NaN : (double) topKHits / count;
    }

    /**
     * Returns whether a larger value of the named metric is better ({@code accuracy}, F1, {@code r2})
     * or a smaller one ({@code loss} and the errors).
     */
    public static boolean higherIsBetter(String metric) {
        return switch (metric) {
            case "accuracy", "top_k_accuracy", "macro_f1", "weighted_f1", "r2" -> true;
            default -> false;
        };
    }

    /** Returns the metrics an objective has, by name, for settings that choose one. */
    public static List<String> metricsOf(Objective objective) {
        return objective.classifies() ? CLASSIFICATION_METRICS : REGRESSION_METRICS;
    }

    /**
     * Returns every metric of {@link #metricsOf} this evaluation's objective by name, in that order
     * ({@code top_k_accuracy} only when top-k was counted), for reports and logs.
     */
    public Map<String, Double> metrics() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        for (String name : metricsOf(objective)) {
            if (!name.equals("top_k_accuracy") || topK > 0) {
                metrics.put(name, metric(name));
            }
        }
        return metrics;
    }

    /**
     * Returns the named metric, one of {@link #metricsOf} this evaluation's objective.
     *
     * @throws IllegalArgumentException for a name the objective does not have
     */
    public double metric(String name) {
        if (!metricsOf(objective).contains(name)) {
            throw new IllegalArgumentException("metric '" + name + "' is not one of loss " + objective.key()
                    + "'s: " + String.join(", ", metricsOf(objective)));
        }
        return switch (name) {
            case "loss" -> loss();
            case "accuracy" -> accuracy();
            case "top_k_accuracy" -> topKAccuracy();
            case "macro_f1" -> macroF1();
            case "weighted_f1" -> weightedF1();
            case "mse" -> meanSquaredError();
            case "rmse" -> rootMeanSquaredError();
            case "mae" -> meanAbsoluteError();
            default -> r2();
        };
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
                && count == other.count && Double.compare(lossSum, other.lossSum) == 0
                && Arrays.equals(confusion, other.confusion) && topK == other.topK && topKHits == other.topKHits
                && Double.compare(squaredError, other.squaredError) == 0
                && Double.compare(absoluteError, other.absoluteError) == 0
                && Double.compare(targetSum, other.targetSum) == 0
                && Double.compare(targetSquares, other.targetSquares) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(confusion) * 31 + Long.hashCode(count);
    }

    /** Returns the metrics in words, for example {@code loss 0.3120, accuracy 0.8874, top-5 0.9981, macro F1 …}. */
    @Override
    public String toString() {
        return objective.classifies()
                ? String.format(Locale.ROOT, "loss %.4f, accuracy %.4f%s, macro F1 %.4f, weighted F1 %.4f on %d rows",
                        loss(), accuracy(), topK == 0 ? "" : String.format(Locale.ROOT, ", top-%d %.4f", topK,
                                topKAccuracy()), macroF1(), weightedF1(), count)
                : String.format(Locale.ROOT, "mse %.5f, rmse %.5f, mae %.5f, r2 %.4f on %d rows",
                        meanSquaredError(), rootMeanSquaredError(), meanAbsoluteError(), r2(), count);
    }
}
