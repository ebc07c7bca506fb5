package dev.phalanx.engine.model;

import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.Objective;

/**
 * A batch's mean loss, its correct predictions, and the loss's gradient with respect to the
 * model's outputs, computed in the JVM in one pass over the outputs: a fused loss head.
 *
 * <p>Why not DJL's losses: {@code Loss.softmaxCrossEntropyLoss()} is four PyTorch operators
 * (log-softmax, pick, negate, mean), each with its autograd node, and reading the loss and the
 * accuracy back took six more. For a small model every operator's fixed cost counts: on the
 * benchmark MLP those ten round trips were about 180 µs of a 0.9 ms forward and backward pass. The
 * outputs are small (batch × classes), so copying them out once, computing here, and starting
 * PyTorch's backward pass from the outputs with this gradient does the same work with two copies.
 * Sums run in double precision; the gradient is rounded to float once.
 */
final class LossGradient {

    private LossGradient() {}

    /**
     * Returns the batch's mean loss and correct predictions under {@code loss}, writing the
     * loss's gradient with respect to the model's outputs into {@code gradient}.
     *
     * @param outputs the model's outputs for the batch, row-major
     * @param labels the samples' labels, encoded as {@link Objective#encode} gives them
     */
    static ModelReplica.BatchOutcome of(LossFunction loss, float[] outputs, long[] labels, float[] gradient) {
        if (!loss.objective().classifies()) {
            return meanSquaredError(outputs, labels, gradient);
        }
        return loss.weighted() ? weightedCrossEntropy(outputs, labels, gradient, loss)
                : crossEntropy(outputs, labels, gradient, loss.labelSmoothing());
    }

    /**
     * Softmax cross-entropy against class indices, averaged over the batch. The gradient is {@code
     * (softmax(z) - onehot(label)) / n}; a prediction is correct when the label holds the first
     * largest output.
     *
     * @param logits {@code n} rows of {@code k} scores, row-major
     * @param labels {@code n} class indices in {@code [0, k)}
     * @param gradient receives the gradient, the same layout as {@code logits}
     * @throws IllegalArgumentException if a label is not a class index or the sizes disagree
     */
    static ModelReplica.BatchOutcome crossEntropy(float[] logits, long[] labels, float[] gradient) {
        return crossEntropy(logits, labels, gradient, 0);
    }

    /**
     * As {@link #crossEntropy(float[], long[], float[])} against a smoothed target {@code q = (1 -
     * s) onehot(label) + s / k}: the loss is {@code logsumexp(z) - sum(q z)} and the gradient {@code
     * (softmax(z) - q) / n}, as PyTorch's {@code cross_entropy(label_smoothing=s)}.
     */
    static ModelReplica.BatchOutcome crossEntropy(float[] logits, long[] labels, float[] gradient, double smoothing) {
        int n = labels.length;
        int k = width(logits, labels, gradient);
        double lossSum = 0;
        long correct = 0;
        for (int i = 0; i < n; i++) {
            long label = classIndex(labels, i, k);
            int row = i * k;
            int best = best(logits, row, k);
            double logSumExp = logSumExp(logits, row, k, logits[row + best]);
            double spread = smoothing / k;
            double targetScore = (1 - smoothing) * logits[row + (int) label];
            if (smoothing > 0) {
                for (int c = 0; c < k; c++) {
                    targetScore += spread * logits[row + c];
                }
            }
            lossSum += logSumExp - targetScore;
            correct += best == label ? 1 : 0;
            for (int c = 0; c < k; c++) {
                double target = (c == label ? 1 - smoothing : 0) + spread;
                gradient[row + c] = (float) ((Math.exp(logits[row + c] - logSumExp) - target) / n);
            }
        }
        return new ModelReplica.BatchOutcome((float) (lossSum / n), correct);
    }

    /**
     * Cross-entropy with class weights {@code w} and label smoothing {@code s}, as PyTorch's {@code
     * cross_entropy(weight=w, label_smoothing=s)}: sample {@code i} costs {@code (1 - s) w[y] (lse -
     * z[y]) + s / k * sum_c w[c] (lse - z[c])}, and its gradient is {@code (1 - s) w[y] (p - onehot(y))
     * + s / k (W p - w)} with {@code W = sum(w)}; sums are divided by {@code loss.denominator()}, this
     * part's share of the global batch's {@code sum_i w[y_i]}.
     */
    static ModelReplica.BatchOutcome weightedCrossEntropy(float[] logits, long[] labels, float[] gradient,
            LossFunction loss) {
        int n = labels.length;
        int k = width(logits, labels, gradient);
        double[] w = loss.classWeights();
        if (w.length != k) {
            throw new IllegalArgumentException("class_weights holds " + w.length + " weights for " + k + " classes");
        }
        double s = loss.labelSmoothing();
        double total = 0;
        for (double weight : w) {
            total += weight;
        }
        double denominator = loss.denominator();
        double lossSum = 0;
        long correct = 0;
        for (int i = 0; i < n; i++) {
            long label = classIndex(labels, i, k);
            int row = i * k;
            int best = best(logits, row, k);
            double logSumExp = logSumExp(logits, row, k, logits[row + best]);
            double labelWeight = w[(int) label];
            double sampleLoss = (1 - s) * labelWeight * (logSumExp - logits[row + (int) label]);
            for (int c = 0; c < k; c++) {
                sampleLoss += s / k * w[c] * (logSumExp - logits[row + c]);
            }
            lossSum += sampleLoss;
            correct += best == label ? 1 : 0;
            for (int c = 0; c < k; c++) {
                double p = Math.exp(logits[row + c] - logSumExp);
                double g = (1 - s) * labelWeight * (p - (c == label ? 1 : 0)) + s / k * (total * p - w[c]);
                gradient[row + c] = (float) (g / denominator);
            }
        }
        return new ModelReplica.BatchOutcome((float) (lossSum / denominator), correct);
    }

    /**
     * Mean squared error of one output per sample against a real target ({@link Objective#target}
     * decodes it). The gradient is {@code 2 (y - t) / n}; no prediction counts as correct.
     *
     * @param outputs {@code n} outputs, one per sample
     * @param labels {@code n} encoded targets
     * @param gradient receives the gradient, one per sample
     * @throws IllegalArgumentException if the model gives more than one output per sample
     */
    static ModelReplica.BatchOutcome meanSquaredError(float[] outputs, long[] labels, float[] gradient) {
        int n = labels.length;
        int width = width(outputs, labels, gradient);
        if (width != 1) {
            throw new IllegalArgumentException("mean squared error needs one output per sample; the model gives "
                    + width + " (set num_classes to 1 for regression)");
        }
        double squareSum = 0;
        for (int i = 0; i < n; i++) {
            double error = (double) outputs[i] - Objective.target(labels[i]);
            squareSum += error * error;
            gradient[i] = (float) (2 * error / n);
        }
        return new ModelReplica.BatchOutcome((float) (squareSum / n), 0);
    }

    /**
     * Returns the metrics of {@code count} samples from the model's outputs: the objective's plain
     * loss (cross-entropy or squared error, no smoothing or weights) summed, and for classification
     * the confusion counts and how many labels score among the {@code topK} highest (ties count
     * for the label: it is in the top k when fewer than k classes score strictly higher).
     *
     * @param outputs the model's outputs, {@code count} rows, row-major
     * @param labels at least {@code count} labels, encoded as {@link Objective#encode} gives them
     */
    static Evaluation evaluation(Objective objective, int classes, int topK, float[] outputs, long[] labels,
            int count) {
        if (count == 0 || outputs.length != (long) count * classes) {
            throw new IllegalArgumentException(outputs.length + " outputs for " + count + " samples of " + classes
                    + " classes");
        }
        if (!objective.classifies()) {
            double squared = 0;
            double absolute = 0;
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < count; i++) {
                double target = Objective.target(labels[i]);
                double error = outputs[i] - target;
                squared += error * error;
                absolute += Math.abs(error);
                sum += target;
                squares += target * target;
            }
            return new Evaluation(objective, 1, count, squared, new long[0], 0, 0, squared, absolute, sum, squares);
        }
        int k = classes;
        long[] confusion = new long[k * k];
        double lossSum = 0;
        long hits = 0;
        for (int i = 0; i < count; i++) {
            int label = (int) classIndex(labels, i, k);
            int row = i * k;
            int best = best(outputs, row, k);
            lossSum += logSumExp(outputs, row, k, outputs[row + best]) - outputs[row + label];
            confusion[label * k + best]++;
            int higher = 0;
            for (int c = 0; c < k; c++) {
                higher += outputs[row + c] > outputs[row + label] ? 1 : 0;
            }
            hits += higher < topK ? 1 : 0;
        }
        return new Evaluation(objective, k, count, lossSum, confusion, topK, hits, 0, 0, 0, 0);
    }

    /** Returns sample {@code i}'s label, checked to be a class index in {@code [0, k)}. */
    private static long classIndex(long[] labels, int i, int k) {
        long label = labels[i];
        if (label < 0 || label >= k) {
            throw new IllegalArgumentException("label " + label + " of sample " + i + " is not a class index in [0, "
                    + k + ")");
        }
        return label;
    }

    /** Returns the first class with the largest score of the row starting at {@code row}. */
    private static int best(float[] logits, int row, int k) {
        int best = 0;
        float max = logits[row];
        for (int c = 1; c < k; c++) {
            if (logits[row + c] > max) {
                max = logits[row + c];
                best = c;
            }
        }
        return best;
    }

    /**
     * Returns {@code log(sum(exp(z)))} of a row, shifted by its maximum so that exp() stays finite; a
     * NaN or infinite score makes it NaN, which the training loop stops on.
     */
    private static double logSumExp(float[] logits, int row, int k, float max) {
        double sum = 0;
        for (int c = 0; c < k; c++) {
            sum += Math.exp((double) logits[row + c] - max);
        }
        return max + Math.log(sum);
    }

    /** Returns the number of outputs per sample, checking the three sizes agree. */
    private static int width(float[] outputs, long[] labels, float[] gradient) {
        if (labels.length == 0 || outputs.length % labels.length != 0 || outputs.length == 0) {
            throw new IllegalArgumentException(outputs.length + " outputs cannot be split evenly over " + labels.length
                    + " samples");
        }
        if (gradient.length < outputs.length) {
            throw new IllegalArgumentException("the gradient holds " + gradient.length + " values, the outputs "
                    + outputs.length);
        }
        return outputs.length / labels.length;
    }
}
