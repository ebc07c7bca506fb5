package dev.phalanx.models;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model chosen by name with typed options, as written in a job config: {@code resnet} or {@code
 * transformer(vocab_size=5000, layers=2)}. Options not written take their defaults; an unknown
 * option or a value of the wrong type is an error naming it. Because the options are part of the
 * text, everything that identifies a model by its spec (checkpoints included) tells two differently
 * configured models apart.
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final Map<String, Object> values;

    private ModelSpec(String name, Map<String, Object> values) {
        this.name = name;
        this.values = values;
    }

    /**
     * Parses a spec against the model catalog.
     *
     * @throws IllegalArgumentException for an unknown model or option, or a malformed value
     */
    public static ModelSpec parse(String spec) {
        String text = spec.trim();
        int open = text.indexOf('(');
        String name = (open < 0 ? text : text.substring(0, open)).trim();
        ModelDefinition model = ModelCatalog.byName(name);
        Map<String, Object> values = new LinkedHashMap<>();
        for (ModelOption option : model.options()) {
            values.put(option.name(), option.defaultValue());
        }
        if (open >= 0) {
            if (!text.endsWith(")")) {
                throw new IllegalArgumentException("model spec '" + spec + "' must end with ')'");
            }
            String inside = text.substring(open + 1, text.length() - 1).trim();
            for (String pair : inside.isEmpty() ? new String[0] : inside.split(",")) {
                int equals = pair.indexOf('=');
                if (equals < 0) {
                    throw new IllegalArgumentException("model spec '" + spec + "': '" + pair.trim()
                            + "' is not option=value");
                }
                String key = pair.substring(0, equals).trim();
                ModelOption option = find(model, key);
                values.put(key, option.parse(name, pair.substring(equals + 1).trim()));
            }
        }
        return new ModelSpec(name, Collections.unmodifiableMap(values));
    }

    private static ModelOption find(ModelDefinition model, String key) {
        List<ModelOption> options = model.options();
        for (ModelOption option : options) {
            if (option.name().equals(key)) {
                return option;
            }
        }
        throw new IllegalArgumentException("model '" + model.name() + "' has no option '" + key + "'; "
                + (options.isEmpty() ? "it takes none" : "its options: "
                        + String.join(", ", options.stream().map(ModelOption::name).toList())));
    }

    /** Returns the model's catalog name. */
    public String name() {
        return name;
    }

    /** Returns the model's definition. */
    public ModelDefinition definition() {
        return ModelCatalog.byName(name);
    }

    /** Returns an integer option's value. */
    public int intValue(String option) {
        return (Integer) value(option);
    }

    /** Returns a real option's value. */
    public double doubleValue(String option) {
        return (Double) value(option);
    }

    /** Returns a boolean option's value. */
    public boolean booleanValue(String option) {
        return (Boolean) value(option);
    }

    private Object value(String option) {
        Object value = values.get(option);
        if (value == null) {
            throw new IllegalArgumentException("model '" + name + "' has no option '" + option + "'");
        }
        return value;
    }

    /** Returns every option with its value, in declaration order. */
    public Map<String, Object> values() {
        return values;
    }

    /**
     * Checks that {@code condition} holds for the spec's options.
     *
     * @throws IllegalArgumentException naming the model and what is wrong
     */
    public void require(boolean condition, String problem) {
        if (!condition) {
            throw new IllegalArgumentException("model '" + name + "': " + problem);
        }
    }

    @Override
    public String toString() {
        return values.isEmpty() ? name : name + values.toString().replace('{', '(').replace('}', ')');
    }
}
