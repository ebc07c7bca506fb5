package dev.phalanx.engine.optim;

import ai.djl.ndarray.NDArray;
import java.nio.FloatBuffer;

/**
 * {@link SgdMomentum} as whole-buffer tensor operations ({@link TensorOptimizer}): {@code g = g +
 * weight_decay * p; v = momentum * v + g; p = p - lr * v}, each product and sum rounded to float32
 * as the Java loop rounds it, so the two give the same bits.
 */
public final class TensorSgdMomentum extends TensorOptimizer {

    private static final int LEARNING_RATE = 0;
    private static final int MOMENTUM = 1;
    private static final int WEIGHT_DECAY = 2;

    private final float momentum;
    private final float weightDecay;

    /** Creates an optimizer for {@code size} parameters, with zero initial velocity. */
    public TensorSgdMomentum(int size, float learningRate, float momentum, float weightDecay) {
        super(size, 1, learningRate);
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    public int scalarCount() {
        return 3;
    }

    @Override
    protected void writeScalars(FloatBuffer scalars) {
        scalars.put(LEARNING_RATE, learningRate).put(MOMENTUM, momentum).put(WEIGHT_DECAY, weightDecay);
    }

    @Override
    protected void update(NDArray params, NDArray gradients, NDArray[] state, NDArray[] scalars) {
        if (weightDecay != 0f) {
            try (NDArray decay = params.mul(scalars[WEIGHT_DECAY])) {
                gradients.addi(decay);
            }
        }
        NDArray velocity = state[0];
        velocity.muli(scalars[MOMENTUM]).addi(gradients);
        try (NDArray change = velocity.mul(scalars[LEARNING_RATE])) {
            params.subi(change);
        }
    }
}
