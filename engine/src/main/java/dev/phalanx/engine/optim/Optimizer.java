package dev.phalanx.engine.optim;

import java.nio.FloatBuffer;

/**
 * Updates a flat parameter buffer from averaged gradients. Phalanx owns its optimizers so that
 * their state is plain arrays, identical on every rank and easy to checkpoint and restore.
 */
public interface Optimizer extends AutoCloseable {

    /** Returns the name used in job configs. */
    String name();

    /** Sets the learning rate of the next steps (a schedule sets it before every step). */
    void setLearningRate(float learningRate);

    /** Applies one update to {@code params} from {@code gradients} (both indexed from 0). */
    void step(FloatBuffer params, FloatBuffer gradients);

    /** Returns a copy of the state. */
    OptimizerState state();

    /**
     * Continues from a saved state.
     *
     * @throws IllegalArgumentException if the state belongs to another optimizer or size
     */
    void restore(OptimizerState state);

    /** Releases what the optimizer holds outside the Java heap (device tensors); nothing by default. */
    @Override
    default void close() {}
}
