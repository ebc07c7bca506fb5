package dev.phalanx.engine.optim;

import java.nio.FloatBuffer;

/**
 * Stochastic gradient descent with momentum, as PyTorch's {@code torch.optim.SGD} defines it:
 * {@code v = momentum * v + g; p = p - lr * v}.
 */
public final class SgdMomentum {

    private final float learningRate;
    private final float momentum;
    private final float[] velocity;

    /** Creates an optimizer for {@code size} parameters, with zero initial velocity. */
    public SgdMomentum(int size, float learningRate, float momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.velocity = new float[size];
    }

    /** Applies one update to {@code params} (absolute indexing from 0) with the averaged gradients. */
    public void step(FloatBuffer params, float[] gradients) {
        for (int i = 0; i < velocity.length; i++) {
            float v = momentum * velocity[i] + gradients[i];
            velocity[i] = v;
            params.put(i, params.get(i) - learningRate * v);
        }
    }
}
