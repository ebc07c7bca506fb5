package dev.phalanx.engine.optim;

import java.util.List;

/** Creates optimizers by their config name. */
public final class Optimizers {

    /** The names {@link #create} accepts. */
    public static final List<String> NAMES = List.of("sgd", "adam");

    private Optimizers() {}

    /**
     * Creates the named optimizer for {@code size} parameters.
     *
     * @param momentum used by SGD only
     * @throws IllegalArgumentException for an unknown name
     */
    public static Optimizer create(String name, int size, float learningRate, float momentum) {
        return switch (name) {
            case "sgd" -> new SgdMomentum(size, learningRate, momentum);
            case "adam" -> new Adam(size, learningRate);
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
