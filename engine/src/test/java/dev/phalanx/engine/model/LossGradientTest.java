package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.Objective;
import java.io.IOException;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused loss head against values worked out by hand, against finite differences, and against
 * PyTorch's {@code cross_entropy(label_smoothing=0.1)} ({@code src/test/python/loss_golden.py}).
 */
class LossGradientTest {

    @Test
    void labelSmoothingMatchesTorchCrossEntropy() throws IOException {
        JsonNode golden;
        try (InputStream in = LossGradientTest.class.getResourceAsStream("loss-golden.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        float[] logits = new float[golden.get("logits").size()];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) golden.get("logits").get(i).asDouble();
        }
        long[] labels = new long[golden.get("labels").size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = golden.get("labels").get(i).asLong();
        }
        float[] gradient = new float[logits.length];
        ModelReplica.BatchOutcome outcome = LossGradient.of(
                new LossFunction(Objective.CROSS_ENTROPY, golden.get("label_smoothing").asDouble()), logits, labels,
                gradient);
        float loss = (float) golden.get("loss").asDouble();
        assertEquals(loss, outcome.meanLoss(), 2 * Math.ulp(loss), "torch's loss");
        for (int i = 0; i < gradient.length; i++) {
            float expected = (float) golden.get("gradient").get(i).asDouble();
            assertEquals(expected, gradient[i], 2e-7f, "gradient " + i);
        }
        float[] unsmoothed = new float[logits.length];
        LossGradient.crossEntropy(logits, labels, unsmoothed);
        assertTrue(Math.abs(unsmoothed[0] - gradient[0]) > 1e-3, "smoothing must change the gradient");

        // Class weights, without and with smoothing: one part holding the whole batch divides by the
        // batch's weight sum, as torch's mean reduction does.
        double[] weights = new double[golden.get("class_weights").size()];
        for (int c = 0; c < weights.length; c++) {
            weights[c] = golden.get("class_weights").get(c).asDouble();
        }
        for (double smoothing : new double[] {0.0, golden.get("label_smoothing").asDouble()}) {
            JsonNode expected = golden.get("weighted").get(String.valueOf(smoothing));
            LossFunction weighted = new LossFunction(Objective.CROSS_ENTROPY, smoothing, weights, 0);
            float[] weightedGradient = new float[logits.length];
            ModelReplica.BatchOutcome weightedOutcome = LossGradient.of(
                    weighted.normalizedBy(weighted.weightOf(labels, labels.length)), logits, labels, weightedGradient);
            float weightedLoss = (float) expected.get("loss").asDouble();
            assertEquals(weightedLoss, weightedOutcome.meanLoss(), 2 * Math.ulp(weightedLoss),
                    "torch's weighted loss, smoothing " + smoothing);
            for (int i = 0; i < weightedGradient.length; i++) {
                assertEquals((float) expected.get("gradient").get(i).asDouble(), weightedGradient[i], 2e-7f,
                        "weighted gradient " + i + ", smoothing " + smoothing);
            }
        }
    }

    @Test
    void crossEntropyOfAKnownBatch() {
        // Sample 0: scores (0, ln 3), so softmax = (1/4, 3/4); its label 1 costs -ln(3/4).
        // Sample 1: equal scores, softmax = (1/2, 1/2); its label 0 costs ln 2, and the first
        // largest score (class 0) counts as its prediction.
        float ln3 = (float) Math.log(3);
        float[] gradient = new float[4];
        ModelReplica.BatchOutcome outcome =
                LossGradient.crossEntropy(new float[] {0, ln3, 5, 5}, new long[] {1, 0}, gradient);
        assertEquals((-Math.log(0.75) + Math.log(2)) / 2, outcome.meanLoss(), 1e-6);
        assertEquals(2, outcome.correct());
        assertArrayEquals(new float[] {0.25f / 2, -0.25f / 2, -0.5f / 2, 0.5f / 2}, gradient, 1e-6f);
    }

    @Test
    void crossEntropyGradientMatchesFiniteDifferences() {
        SplittableRandom random = new SplittableRandom(4);
        int n = 5;
        int k = 7;
        float[] logits = new float[n * k];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextDouble() * 8 - 4);
        }
        long[] labels = {0, 6, 3, 3, 2};
        float[] gradient = new float[n * k];
        LossGradient.crossEntropy(logits, labels, gradient);
        for (int i = 0; i < logits.length; i++) {
            double h = 1e-4;
            double numeric = (crossEntropy(logits, labels, i, h) - crossEntropy(logits, labels, i, -h)) / (2 * h);
            assertEquals(numeric, gradient[i], 1e-6, "d loss / d logit " + i);
        }
    }

    @Test
    void largeScoresStayFiniteAndNaNScoresGiveANaNLoss() {
        // exp(1000) overflows a double; shifted by the maximum it does not. The label's score is
        // 2000 below the best, softmax is (1, 0).
        float[] gradient = new float[2];
        assertEquals(2000f, LossGradient.crossEntropy(new float[] {1000, -1000}, new long[] {1}, gradient).meanLoss(),
                1e-3f);
        assertArrayEquals(new float[] {1, -1}, gradient, 1e-6f);
        assertTrue(Float.isNaN(
                LossGradient.crossEntropy(new float[] {Float.NaN, 0}, new long[] {1}, gradient).meanLoss()));
    }

    @Test
    void meanSquaredErrorAndItsGradient() {
        float[] gradient = new float[2];
        long[] targets = {Objective.MSE.encode(1.5), Objective.MSE.encode(-1)};
        ModelReplica.BatchOutcome outcome = LossGradient.meanSquaredError(new float[] {2, 1}, targets, gradient);
        // errors 0.5 and 2: mean of squares (0.25 + 4) / 2, gradient 2 * error / n
        assertEquals(2.125f, outcome.meanLoss(), 1e-6f);
        assertEquals(0, outcome.correct());
        assertArrayEquals(new float[] {0.5f, 2f}, gradient, 1e-6f);
    }

    @Test
    void badLabelsAndShapesAreNamed() {
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> LossGradient.crossEntropy(new float[6], new long[] {0, 3}, new float[6]));
        assertEquals("label 3 of sample 1 is not a class index in [0, 3)", label.getMessage());
        IllegalArgumentException uneven = assertThrows(IllegalArgumentException.class,
                () -> LossGradient.crossEntropy(new float[5], new long[] {0, 1}, new float[5]));
        assertEquals("5 outputs cannot be split evenly over 2 samples", uneven.getMessage());
        IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                () -> LossGradient.meanSquaredError(new float[4], new long[] {0, 1}, new float[4]));
        assertEquals("mean squared error needs one output per sample; the model gives 2 (set num_classes to 1 for"
                + " regression)", wide.getMessage());
    }

    /** The mean cross-entropy with logit {@code moved} shifted by {@code delta}, in double precision. */
    private static double crossEntropy(float[] logits, long[] labels, int moved, double delta) {
        int n = labels.length;
        int k = logits.length / n;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(logits[i * k + c] + (i * k + c == moved ? delta : 0));
            }
            int target = i * k + (int) labels[i];
            total += Math.log(sum) - (logits[target] + (target == moved ? delta : 0));
        }
        return total / n;
    }
}
