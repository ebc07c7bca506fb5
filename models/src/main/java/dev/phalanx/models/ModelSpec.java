package dev.phalanx.models;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * A model chosen by name with typed options, as written in a job config: {@code resnet}, {@code
 * transformer(vocab_size=5000, layers=2)}, {@code class:com.acme.nets.MyNet(hidden=512)} or {@code
 * torchscript(path="hdfs://nn/models/net.pt")}. Options not written take their defaults; an unknown
 * option or a value of the wrong type is an error naming it (a user's {@link BlockFactory} takes any
 * option). Because the options are part of the text, everything that identifies a model by its
 * spec (checkpoints included) tells two differently configured models apart.
 *
 * <p>A spec made from a factory instance ({@link #of(BlockFactory, Map)}) carries the instance,
 * which travels with the spec to every worker.
 */
public final class ModelSpec implements Serializable {

    private static final long serialVersionUID = 2L;

    private final String name;
    private final Map<String, Object> values;
    private final BlockFactory factory;

    private ModelSpec(String name, Map<String, Object> values, BlockFactory factory) {
        this.name = name;
        this.values = Collections.unmodifiableMap(values);
        this.factory = factory;
    }

    /**
     * Parses a spec against the model catalog.
     *
     * @throws IllegalArgumentException for an unknown model or option, or a malformed value
     */
    public static ModelSpec parse(String spec) {
        String text = Objects.requireNonNull(spec, "model spec").trim();
        int open = text.indexOf('(');
        String name = (open < 0 ? text : text.substring(0, open)).trim();
        ModelDefinition model = ModelCatalog.byName(name);
        Map<String, Object> written = new LinkedHashMap<>();
        if (open >= 0) {
            if (!text.endsWith(")")) {
                throw new IllegalArgumentException("model spec '" + spec + "' must end with ')'");
            }
            for (String pair : splitOptions(spec, text.substring(open + 1, text.length() - 1))) {
                int equals = pair.indexOf('=');
                if (equals < 0) {
                    throw new IllegalArgumentException("model spec '" + spec + "': '" + pair + "' is not option=value");
                }
                written.put(pair.substring(0, equals).trim(), pair.substring(equals + 1).trim());
            }
        }
        return new ModelSpec(name, typed(model, written), null);
    }

    /** A spec for a factory instance with no options. */
    public static ModelSpec of(BlockFactory factory) {
        return of(factory, Map.of());
    }

    /**
     * A spec for a factory instance: named {@code class:} and the factory's {@link BlockFactory#name()},
     * with these options (numbers, booleans or text).
     */
    public static ModelSpec of(BlockFactory factory, Map<String, ?> options) {
        FactoryModel model = FactoryModel.of(Objects.requireNonNull(factory, "model factory"));
        return new ModelSpec(model.name(), typed(model, options), factory);
    }

    /**
     * Returns this spec with these options set as well (a job config's {@code model_options}),
     * checked like written ones; an empty map returns this spec.
     */
    public ModelSpec withOptions(Map<String, ?> options) {
        if (options.isEmpty()) {
            return this;
        }
        ModelDefinition model = definition();
        Map<String, Object> merged = new LinkedHashMap<>(values);
        merged.putAll(typed(model, options));
        return new ModelSpec(name, merged, factory);
    }

    /** Splits {@code a=1, b="x, y"} at the commas outside double quotes. */
    private static List<String> splitOptions(String spec, String inside) {
        List<String> pairs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : inside.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                pairs.add(current.toString().trim());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("model spec '" + spec + "' has an unclosed '\"'");
        }
        if (!current.toString().isBlank() || !pairs.isEmpty()) {
            pairs.add(current.toString().trim());
        }
        return pairs;
    }

    /** Checks and types option values given as text (as written) or as values (numbers, booleans, text). */
    private static Map<String, Object> typed(ModelDefinition model, Map<String, ?> given) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (ModelOption option : model.options()) {
            values.put(option.name(), option.defaultValue());
        }
        for (Map.Entry<String, ?> entry : given.entrySet()) {
            String key = entry.getKey().trim();
            Object value = entry.getValue();
            ModelOption option = find(model, key);
            if (value instanceof String text) {
                String unquoted = unquote(text);
                values.put(key, option != null ? option.parse(model.name(), unquoted)
                        : unquoted.equals(text) ? infer(text) : unquoted);
            } else if (value instanceof Number || value instanceof Boolean) {
                values.put(key, option != null ? option.parse(model.name(), String.valueOf(value)) : value);
            } else {
                throw new IllegalArgumentException("model '" + model.name() + "' option '" + key + "' is "
                        + value + "; expected a number, true or false, or text");
            }
        }
        return values;
    }

    private static ModelOption find(ModelDefinition model, String key) {
        List<ModelOption> options = model.options();
        for (ModelOption option : options) {
            if (option.name().equals(key)) {
                return option;
            }
        }
        if (model.acceptsAnyOption()) {
            return null;
        }
        throw new IllegalArgumentException("model '" + model.name() + "' has no option '" + key + "'; "
                + (options.isEmpty() ? "it takes none" : "its options: "
                        + String.join(", ", options.stream().map(ModelOption::name).toList())));
    }

    private static String unquote(String text) {
        return text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")
                ? text.substring(1, text.length() - 1) : text;
    }

    /** Types an undeclared option by how it is written: whole number, real number, boolean, else text. */
    private static Object infer(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("true") || lower.equals("false")) {
            return Boolean.parseBoolean(lower);
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException notInt) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException notLong) {
                try {
                    return Double.parseDouble(text);
                } catch (NumberFormatException notNumber) {
                    return text;
                }
            }
        }
    }

    /** Returns the model's name: a catalog name, or {@code class:} and a factory's name. */
    public String name() {
        return name;
    }

    /** Returns the model's definition; for a factory spec, its factory seen as one. */
    public ModelDefinition definition() {
        return factory != null ? new FactoryModel(name, factory) : ModelCatalog.byName(name);
    }

    /** Returns an integer option's value. */
    public int intValue(String option) {
        Object value = value(option);
        if (value instanceof Integer number) {
            return number;
        }
        throw wrongType(option, value, "a whole number");
    }

    /** Returns an integer option's value, or {@code defaultValue} when the spec does not set it. */
    public int intValue(String option, int defaultValue) {
        return values.containsKey(option) ? intValue(option) : defaultValue;
    }

    /** Returns a real option's value (a whole number is taken as real too). */
    public double doubleValue(String option) {
        Object value = value(option);
        if (value instanceof Number number) {
            return number.doubleValue();
        }
        throw wrongType(option, value, "a number");
    }

    /** Returns a real option's value, or {@code defaultValue} when the spec does not set it. */
    public double doubleValue(String option, double defaultValue) {
        return values.containsKey(option) ? doubleValue(option) : defaultValue;
    }

    /** Returns a boolean option's value. */
    public boolean booleanValue(String option) {
        Object value = value(option);
        if (value instanceof Boolean flag) {
            return flag;
        }
        throw wrongType(option, value, "true or false");
    }

    /** Returns a boolean option's value, or {@code defaultValue} when the spec does not set it. */
    public boolean booleanValue(String option, boolean defaultValue) {
        return values.containsKey(option) ? booleanValue(option) : defaultValue;
    }

    /** Returns a text option's value (any value, as written). */
    public String stringValue(String option) {
        return String.valueOf(value(option));
    }

    /** Returns a text option's value, or {@code defaultValue} when the spec does not set it. */
    public String stringValue(String option, String defaultValue) {
        return values.containsKey(option) ? stringValue(option) : defaultValue;
    }

    private IllegalArgumentException wrongType(String option, Object value, String expected) {
        return new IllegalArgumentException("model '" + name + "' option '" + option + "' is '" + value
                + "'; expected " + expected);
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

    /**
     * Returns the spec as text that {@link #parse} reads back to an equal model, every option
     * written, text quoted where it needs to be: {@code cnn(batch_norm=false, channels=32)}.
     */
    public String text() {
        if (values.isEmpty()) {
            return name;
        }
        StringBuilder text = new StringBuilder(name).append('(');
        String separator = "";
        for (Map.Entry<String, Object> entry : values.entrySet()) {
            Object value = entry.getValue();
            String written = String.valueOf(value);
            if (value instanceof String && (!written.matches("[A-Za-z0-9_./:@+-]+") || !(infer(written) instanceof String))) {
                written = '"' + written + '"';
            }
            text.append(separator).append(entry.getKey()).append('=').append(written);
            separator = ", ";
        }
        return text.append(')').toString();
    }

    /** Two specs are equal when they name the same model with the same option values. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec other && name.equals(other.name) && values.equals(other.values)
                && Objects.equals(factory == null ? null : factory.getClass(),
                        other.factory == null ? null : other.factory.getClass());
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, values);
    }

    @Override
    public String toString() {
        return text();
    }
}
