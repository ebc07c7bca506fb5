package dev.phalanx.engine.optim;

import ai.djl.ndarray.NDArray;
import java.nio.FloatBuffer;

/**
 * {@link Adam} (and AdamW) as whole-buffer tensor operations ({@link TensorOptimizer}), the
 * operations {@code torch.optim.Adam} applies ({@code lerp_}, {@code addcmul_}, {@code addcdiv_}),
 * each composed of element-wise products and sums rounded to float32 with float32 scalars, where
 * the Java loop forms the moments and the denominator in double: the two agree to within float
 * rounding rather than bit for bit. The step's size and the bias correction
 * are formed on the host in double, as both PyTorch and the Java loop do.
 */
public final class TensorAdam extends TensorOptimizer {

    private static final double BETA1 = 0.9;
    private static final double BETA2 = 0.999;
    private static final double EPSILON = 1e-8;

    private static final int STEP_SIZE = 0;
    private static final int DECAY = 1;
    private static final int WEIGHT_DECAY = 2;
    private static final int ONE_MINUS_BETA1 = 3;
    private static final int BETA2_AT = 4;
    private static final int ONE_MINUS_BETA2 = 5;
    private static final int CORRECTION2_SQRT = 6;
    private static final int EPSILON_AT = 7;

    private final boolean decoupled;
    private final float weightDecay;

    /**
     * Creates an optimizer for {@code size} parameters with zero moments.
     *
     * @param decoupled whether weight decay is AdamW's (decoupled) rather than an L2 term
     */
    public TensorAdam(int size, float learningRate, float weightDecay, boolean decoupled) {
        super(size, 2, learningRate);
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    public int scalarCount() {
        return 8;
    }

    @Override
    protected void writeScalars(FloatBuffer scalars) {
        double correction1 = 1 - Math.pow(BETA1, steps);
        scalars.put(STEP_SIZE, (float) (learningRate / correction1))
                .put(DECAY, decoupled ? (float) (1 - (double) learningRate * weightDecay) : 1f)
                .put(WEIGHT_DECAY, weightDecay)
                .put(ONE_MINUS_BETA1, (float) (1 - BETA1))
                .put(BETA2_AT, (float) BETA2)
                .put(ONE_MINUS_BETA2, (float) (1 - BETA2))
                .put(CORRECTION2_SQRT, (float) Math.sqrt(1 - Math.pow(BETA2, steps)))
                .put(EPSILON_AT, (float) EPSILON);
    }

    @Override
    protected void update(NDArray params, NDArray gradients, NDArray[] state, NDArray[] scalars) {
        if (decoupled) {
            params.muli(scalars[DECAY]);
        } else if (weightDecay != 0f) {
            try (NDArray decay = params.mul(scalars[WEIGHT_DECAY])) {
                gradients.addi(decay);
            }
        }
        NDArray first = state[0];
        NDArray second = state[1];
        // m.lerp_(g, 1 - beta1): m + (1 - beta1) * (g - m).
        try (NDArray towards = gradients.sub(first)) {
            towards.muli(scalars[ONE_MINUS_BETA1]);
            first.addi(towards);
        }
        // v.mul_(beta2).addcmul_(g, g, value=1 - beta2).
        try (NDArray squared = gradients.mul(scalars[ONE_MINUS_BETA2])) {
            squared.muli(gradients);
            second.muli(scalars[BETA2_AT]).addi(squared);
        }
        // p.addcdiv_(m, sqrt(v) / sqrt(1 - beta2^t) + eps, value=-step_size).
        try (NDArray denominator = second.sqrt(); NDArray change = first.div(denominator.divi(
                scalars[CORRECTION2_SQRT]).addi(scalars[EPSILON_AT]))) {
            change.muli(scalars[STEP_SIZE]);
            params.subi(change);
        }
    }
}
