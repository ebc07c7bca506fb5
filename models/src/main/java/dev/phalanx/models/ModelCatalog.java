package dev.phalanx.models;

import ai.djl.nn.Block;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The models Phalanx knows, looked up by the name used in job configs; a spec may add typed
 * options after the name (see {@link ModelSpec}).
 */
public final class ModelCatalog {

    private static final Map<String, ModelDefinition> MODELS = new LinkedHashMap<>();

    static {
        register(new Mlp());
        register(new SmallCnn());
        register(new ResNet());
        register(new TransformerClassifier());
    }

    private ModelCatalog() {}

    private static void register(ModelDefinition model) {
        MODELS.put(model.name(), model);
    }

    /**
     * Returns the model registered under {@code name}.
     *
     * @throws IllegalArgumentException naming the known models when there is none by that name
     */
    public static ModelDefinition byName(String name) {
        ModelDefinition model = MODELS.get(name);
        if (model == null) {
            throw new IllegalArgumentException(
                    "model '" + name + "' is unknown; known models: " + String.join(", ", MODELS.keySet()));
        }
        return model;
    }

    /**
     * Builds the model a spec names, for example {@code "transformer(layers=2)"}.
     *
     * @throws IllegalArgumentException for an unknown model or option, a malformed value, or an
     *     input the model cannot take
     */
    public static Block build(String spec, InputSpec input) {
        ModelSpec parsed = ModelSpec.parse(spec);
        return parsed.definition().build(input, parsed);
    }

    /** Returns what the input values of the model a spec names are. */
    public static FeatureDomain inputDomain(String spec) {
        ModelSpec parsed = ModelSpec.parse(spec);
        return parsed.definition().inputDomain(parsed);
    }

    /** Returns every known model by name, in registration order. */
    public static Map<String, ModelDefinition> all() {
        return Collections.unmodifiableMap(MODELS);
    }
}
