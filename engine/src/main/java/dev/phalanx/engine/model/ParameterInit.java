package dev.phalanx.engine.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;

/**
 * Deterministic parameter initialisation from a seed, done in Java: every rank, and every run with
 * the same seed, starts from bit-identical parameters without depending on PyTorch's global RNG
 * (which worker threads of one JVM would share and race on).
 *
 * <p>Weights of two or more dimensions get Glorot-uniform values; biases, shifts and running means
 * start at zero; scales (batch and layer norm's gamma) and running variances at one.
 */
final class ParameterInit {

    private final SplittableRandom random;

    ParameterInit(long seed) {
        this.random = new SplittableRandom(seed);
    }

    /** Fills {@code out[0, shape.size())} with initial values for a parameter of this type and shape. */
    void fill(Parameter.Type type, Shape shape, FloatBuffer out) {
        int size = Math.toIntExact(shape.size());
        if (type == Parameter.Type.GAMMA || type == Parameter.Type.RUNNING_VAR) {
            constant(out, size, 1f);
            return;
        }
        if (shape.dimension() < 2) {
            constant(out, size, 0f);
            return;
        }
        long receptiveField = shape.size() / (shape.get(0) * shape.get(1));
        double fanOut = shape.get(0) * receptiveField;
        double fanIn = shape.get(1) * receptiveField;
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        for (int i = 0; i < size; i++) {
            out.put(i, (float) ((random.nextDouble() * 2 - 1) * bound));
        }
    }

    private static void constant(FloatBuffer out, int size, float value) {
        for (int i = 0; i < size; i++) {
            out.put(i, value);
        }
    }
}
