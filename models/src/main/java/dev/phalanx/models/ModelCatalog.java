package dev.phalanx.models;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The models Phalanx knows, looked up by the name used in job configs. */
public final class ModelCatalog {

    private static final Map<String, ModelDefinition> MODELS = new LinkedHashMap<>();

    static {
        register(new Mlp());
        register(new SmallCnn());
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
                    "unknown model '" + name + "'; known models: " + String.join(", ", MODELS.keySet()));
        }
        return model;
    }

    /** Returns every known model by name, in registration order. */
    public static Map<String, ModelDefinition> all() {
        return Collections.unmodifiableMap(MODELS);
    }
}
