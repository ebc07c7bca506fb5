package dev.phalanx.models;

import ai.djl.nn.Block;
import java.util.List;

/** A model that can be built by name for a given input. Implementations are stateless. */
public interface ModelDefinition {

    /** Returns the name users put in a job config, for example {@code "mlp"}. */
    String name();

    /** Returns a one-line description for listings and error messages. */
    String description();

    /** Returns the options a spec may set, with their defaults; none by default. */
    default List<ModelOption> options() {
        return List.of();
    }

    /** Returns what the input values are; real numbers unless the model reads token ids. */
    default FeatureDomain inputDomain(ModelSpec spec) {
        return FeatureDomain.real();
    }

    /**
     * Builds a fresh, uninitialised block whose output is one logit per class.
     *
     * @param input what the model is fed
     * @param spec this model's options
     * @return a new block; the caller initialises it with {@code input.batchShape(n)}
     * @throws IllegalArgumentException if the model cannot take this input or these options
     */
    Block build(InputSpec input, ModelSpec spec);
}
