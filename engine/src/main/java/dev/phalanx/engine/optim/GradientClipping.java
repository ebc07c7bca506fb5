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
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double g = gradients.get(i);
            sum += g * g;
        }
        float norm = (float) Math.sqrt(sum);
        // In float32, as PyTorch computes the coefficient on tensors.
        float coefficient = (float) maxNorm / (norm + 1e-6f);
        if (coefficient < 1f) {
            for (int i = 0; i < size; i++) {
                gradients.put(i, gradients.get(i) * coefficient);
            }
        }
        return norm;
    }
}
