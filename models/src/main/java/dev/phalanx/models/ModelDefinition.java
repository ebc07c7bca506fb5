package dev.phalanx.models;

import ai.djl.nn.Block;

/** A model that can be built by name for a given input. Implementations are stateless. */
public interface ModelDefinition {

    /** Returns the name users put in a job config, for example {@code "mlp"}. */
    String name();

    /** Returns a one-line description for listings and error messages. */
    String description();

    /**
     * Builds a fresh, uninitialised block whose output is one logit per class.
     *
     * @param input what the model is fed
     * @return a new block; the caller initialises it with {@code input.batchShape(n)}
     * @throws IllegalArgumentException if the model cannot take this input
     */
    Block build(InputSpec input);
}
