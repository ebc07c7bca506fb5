package dev.phalanx.engine.optim;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Stochastic gradient descent with momentum, as PyTorch's {@code torch.optim.SGD} defines it:
 * {@code g = g + weight_decay * p; v = momentum * v + g; p = p - lr * v}.
 */
public final class SgdMomentum implements Optimizer {

    private float learningRate;
    private final float momentum;
    private final float weightDecay;
    private final float[] velocity;
    private long steps;

    /** Creates an optimizer for {@code size} parameters, with zero initial velocity. */
    public SgdMomentum(int size, float learningRate, float momentum, float weightDecay) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.velocity = new float[size];
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
    }

    @Override
    public void step(FloatBuffer params, FloatBuffer gradients) {
        for (int i = 0; i < velocity.length; i++) {
            float g = weightDecay == 0f ? gradients.get(i) : gradients.get(i) + weightDecay * params.get(i);
            float v = momentum * velocity[i] + g;
            velocity[i] = v;
            params.put(i, params.get(i) - learningRate * v);
        }
        steps++;
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState(name(), steps, List.of(velocity.clone()));
    }

    @Override
    public void restore(OptimizerState state) {
        Optimizers.check(state, name(), 1, velocity.length);
        System.arraycopy(state.buffers().get(0), 0, velocity, 0, velocity.length);
        steps = state.steps();
    }
}
