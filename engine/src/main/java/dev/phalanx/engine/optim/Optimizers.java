package dev.phalanx.engine.optim;

import java.util.List;

/** Creates optimizers by their config name. */
public final class Optimizers {

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("sgd", "adam", "adamw");

    private Optimizers() {}

    /**
     * Creates the named optimizer for {@code size} parameters.
     *
     * @param momentum used by SGD only
     * @throws IllegalArgumentException for an unknown name
     */
    public static Optimizer create(String name, int size, float learningRate, float momentum) {
        return create(name, size, learningRate, momentum, 0f);
    }

    /**
     * Creates the named optimizer for {@code size} parameters with weight decay.
     *
     * @param momentum used by SGD only
     * @param weightDecay an L2 term for {@code sgd} and {@code adam}, decoupled for {@code adamw}
     * @throws IllegalArgumentException for an unknown name
     */
    public static Optimizer create(String name, int size, float learningRate, float momentum, float weightDecay) {
        return switch (name) {
            case "sgd" -> new SgdMomentum(size, learningRate, momentum, weightDecay);
            case "adam" -> new Adam(size, learningRate, weightDecay, false);
            case "adamw" -> new Adam(size, learningRate, weightDecay, true);
            default -> throw new IllegalArgumentException(
                    "optimizer '" + name + "' is unknown; known optimizers: " + String.join(", ", NAMES));
        };
    }

    /**
     * Creates the named optimizer as whole-buffer tensor operations, to run where the parameters
     * live (a GPU); the same names and settings as {@link #create(String, int, float, float, float)}.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static TensorOptimizer onTensors(String name, int size, float learningRate, float momentum,
            float weightDecay) {
        return switch (name) {
            case "sgd" -> new TensorSgdMomentum(size, learningRate, momentum, weightDecay);
            case "adam" -> new TensorAdam(size, learningRate, weightDecay, false);
            case "adamw" -> new TensorAdam(size, learningRate, weightDecay, true);
            default -> throw new IllegalArgumentException(
                    "optimizer '" + name + "' is unknown; known optimizers: " + String.join(", ", NAMES));
        };
    }

    /** Checks that {@code state} fits an optimizer called {@code name} with {@code size} parameters. */
    static void check(OptimizerState state, String name, int buffers, int size) {
        if (!state.name().equals(name) || state.buffers().size() != buffers) {
            throw new IllegalArgumentException("optimizer state is for '" + state.name() + "', not '" + name + "'");
        }
        for (float[] buffer : state.buffers()) {
            if (buffer.length != size) {
                throw new IllegalArgumentException("optimizer state has " + buffer.length
                        + " values per buffer, the model has " + size + " parameters");
            }
        }
    }
}
