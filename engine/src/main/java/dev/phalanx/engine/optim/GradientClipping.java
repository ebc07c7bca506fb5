package dev.phalanx.engine.optim;

import java.nio.FloatBuffer;

/**
 * Clipping of the averaged gradients by their global L2 norm, as {@code
 * torch.nn.utils.clip_grad_norm_} does: when the norm exceeds {@code maxNorm}, every gradient is
 * scaled by {@code maxNorm / (norm + 1e-6)}. Applied after the all-reduce, so every rank scales the
 * same gradients by the same factor and stays in lockstep.
 */
public final class GradientClipping {

    private GradientClipping() {}

    /**
     * Clips {@code gradients} (the first {@code size} values) in place.
     *
     * @return the norm before clipping
     */
    public static double clip(FloatBuffer gradients, int size, double maxNorm) {
        float norm = (float) Math.sqrt(sumOfSquares(gradients, 0, size));
        scale(gradients, 0, size, norm, maxNorm);
        return norm;
    }

    /**
     * Returns the sum of the squares of {@code length} values of {@code gradients} from {@code
     * offset}, in double: one slice's share of the squared global norm when the optimizer is sharded.
     */
    public static double sumOfSquares(FloatBuffer gradients, int offset, int length) {
        double sum = 0;
        for (int i = offset; i < offset + length; i++) {
            double g = gradients.get(i);
            sum += g * g;
        }
        return sum;
    }

    /**
     * Scales {@code length} values of {@code gradients} from {@code offset} as clipping a gradient
     * of global norm {@code norm} to {@code maxNorm} scales every value; nothing when it is within.
     */
    public static void scale(FloatBuffer gradients, int offset, int length, float norm, double maxNorm) {
        // In float32, as PyTorch computes the coefficient on tensors.
        float coefficient = (float) maxNorm / (norm + 1e-6f);
        if (coefficient < 1f) {
            for (int i = offset; i < offset + length; i++) {
                gradients.put(i, gradients.get(i) * coefficient);
            }
        }
    }
}
