package dev.phalanx.models;

import ai.djl.nn.Block;
import java.util.List;

/**
 * A family of models built by name for a given input: the service-provider interface of {@link
 * ModelCatalog}. The built-in families implement it, and so can a jar of one's own: list the
 * implementing classes in {@code META-INF/services/dev.phalanx.models.ModelDefinition}, put the jar on
 * the class path (driver and executors), and the family is usable by name, with typed options, like
 * the built-in ones; it is listed in {@code phalanx models} and in "known models" messages.
 * Implementations are stateless and have a public no-argument constructor. Names are lower-case
 * words ({@code [a-z][a-z0-9_-]*}) and unique.
 */
public interface ModelDefinition {

    /** Returns the name users put in a job config, for example {@code "mlp"}. */
    String name();

    /** Returns a one-line description for listings and error messages. */
    String description();

    /** Returns the options a spec may set, with their defaults; none by default. */
    default List<ModelOption> options() {
        return List.of();
    }

    /**
     * Returns whether a spec may set options this definition does not declare (they are then
     * typed by how they are written: whole number, real number, {@code true}/{@code false}, else
     * text); false by default, so a misspelt option is an error.
     */
    default boolean acceptsAnyOption() {
        return false;
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
