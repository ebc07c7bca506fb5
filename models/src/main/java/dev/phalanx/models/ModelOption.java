package dev.phalanx.models;

import java.util.Locale;

/**
 * One typed option a model accepts in its spec, for example {@code layers} in {@code
 * transformer(layers=4)}.
 *
 * @param name the option's name as written in the spec
 * @param type what values it takes
 * @param defaultValue the value used when the spec leaves it out
 * @param description one line for listings and error messages
 */
public record ModelOption(String name, Type type, Object defaultValue, String description) {

    /** The kinds of value an option takes. */
    public enum Type {
        /** A whole number. */
        INT,
        /** A real number. */
        DOUBLE,
        /** {@code true} or {@code false}. */
        BOOLEAN,
        /** Text, such as a path; written in double quotes when it holds a comma or parenthesis. */
        STRING
    }

    /** An integer option. */
    public static ModelOption integer(String name, int defaultValue, String description) {
        return new ModelOption(name, Type.INT, defaultValue, description);
    }

    /** A real-valued option. */
    public static ModelOption real(String name, double defaultValue, String description) {
        return new ModelOption(name, Type.DOUBLE, defaultValue, description);
    }

    /** A boolean option. */
    public static ModelOption flag(String name, boolean defaultValue, String description) {
        return new ModelOption(name, Type.BOOLEAN, defaultValue, description);
    }

    /** A text option. */
    public static ModelOption text(String name, String defaultValue, String description) {
        return new ModelOption(name, Type.STRING, defaultValue, description);
    }

    /**
     * Parses a value written in a spec (quotes already removed from text).
     *
     * @throws IllegalArgumentException naming the option and the expected type
     */
    Object parse(String model, String text) {
        try {
            return switch (type) {
                case INT -> Integer.parseInt(text);
                case DOUBLE -> Double.parseDouble(text);
                case STRING -> text;
                case BOOLEAN -> switch (text.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new NumberFormatException(text);
                };
            };
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("model '" + model + "' option '" + name + "' is '" + text
                    + "'; expected " + (type == Type.INT ? "a whole number" : type == Type.DOUBLE ? "a number"
                            : "true or false"));
        }
    }

    /** Returns {@code name=default (type): description}, for listings. */
    @Override
    public String toString() {
        return name + "=" + defaultValue + " (" + type.name().toLowerCase(Locale.ROOT) + "): " + description;
    }
}
