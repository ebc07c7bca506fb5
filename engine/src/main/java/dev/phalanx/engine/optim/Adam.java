package dev.phalanx.engine.optim;

import java.nio.FloatBuffer;
import java.util.List;

/**
 * Adam, as PyTorch's {@code torch.optim.Adam} defines it with betas (0.9, 0.999) and eps 1e-8:
 * moments {@code m, v}, bias-corrected by the step count; weight decay as an L2 term added to the
 * gradient ({@code adam}) or decoupled, {@code p = p * (1 - lr * weight_decay)} before the update,
 * as {@code torch.optim.AdamW} ({@code adamw}).
 */
public final class Adam implements Optimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private final boolean decoupled;
    private final float weightDecay;
    private float learningRate;
    private final float[] firstMoment;
    private final float[] secondMoment;
    private long steps;

    /**
     * Creates an optimizer for {@code size} parameters with zero moments.
     *
     * @param decoupled whether weight decay is AdamW's (decoupled) rather than an L2 term
     */
    public Adam(int size, float learningRate, float weightDecay, boolean decoupled) {
        this.learningRate = learningRate;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.firstMoment = new float[size];
        this.secondMoment = new float[size];
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
    }

    @Override
    public void step(FloatBuffer params, FloatBuffer gradients) {
        steps++;
        double correction1 = 1 - Math.pow(BETA1, steps);
        double correction2Sqrt = Math.sqrt(1 - Math.pow(BETA2, steps));
        float stepSize = (float) (learningRate / correction1);
        // As torch.optim.AdamW: 1 - lr * weight_decay formed in double (Python floats), then applied in float32.
        float decay = decoupled ? (float) (1 - (double) learningRate * weightDecay) : 1f;
        for (int i = 0; i < firstMoment.length; i++) {
            float p = params.get(i);
            float g = gradients.get(i);
            if (decoupled) {
                p *= decay;
            } else if (weightDecay != 0f) {
                // As PyTorch's grad.add(param, alpha=weight_decay), which may fuse the two.
                g = Math.fma(weightDecay, p, g);
            }
            float m = (float) (BETA1 * firstMoment[i] + (1 - BETA1) * g);
            float v = (float) (BETA2 * secondMoment[i] + (1 - BETA2) * g * g);
            firstMoment[i] = m;
            secondMoment[i] = v;
            float denominator = (float) (Math.sqrt(v) / correction2Sqrt + EPSILON);
            params.put(i, p - stepSize * m / denominator);
        }
    }

    @Override
    public OptimizerState state() {
        return new OptimizerState(name(), steps, List.of(firstMoment.clone(), secondMoment.clone()));
    }

    @Override
    public void restore(OptimizerState state) {
        Optimizers.check(state, name(), 2, firstMoment.length);
        System.arraycopy(state.buffers().get(0), 0, firstMoment, 0, firstMoment.length);
        System.arraycopy(state.buffers().get(1), 0, secondMoment, 0, secondMoment.length);
        steps = state.steps();
    }
}
