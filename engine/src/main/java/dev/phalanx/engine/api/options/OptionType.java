package dev.phalanx.engine.api.options;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The kinds of value an option can hold, each with its Java type and the words errors use for a
 * valid one. Text is read as a HOCON value (Typesafe Config): {@code 2m} and {@code 120s} are the
 * same duration, {@code 512m} is 512 MiB, in a config file, after {@code --set} or in a Spark ML
 * string param alike.
 */
public enum OptionType {
    /** Text. */
    STRING(String.class, "a string"),
    /** A 32-bit whole number. */
    INT(Integer.class, "a whole number"),
    /** A 64-bit whole number. */
    LONG(Long.class, "a whole number"),
    /** A decimal number. */
    DOUBLE(Double.class, "a number"),
    /** true or false. */
    BOOLEAN(Boolean.class, "true or false"),
    /** A duration such as 30s or 2m. */
    DURATION(Duration.class, "a duration such as 30s or 2m"),
    /** A duration, or {@code auto}: read as {@link #AUTO}, for the engine to choose. */
    DURATION_OR_AUTO(Duration.class, "a duration such as 30s or 2m, or auto"),
    /** A number of bytes, with an optional unit such as 64m or 1g (powers of 1024). */
    SIZE(Long.class, "a size such as 64m or 1g"),
    /** A list of whole numbers. */
    INT_LIST(int[].class, "a list of whole numbers such as [1, 28, 28]"),
    /** A list of numbers. */
    DOUBLE_LIST(double[].class, "a list of numbers such as [0.5, 0.5, 0.5]"),
    /** A list of strings. */
    STRING_LIST(String[].class, "a list of strings such as [\"stem.\", \"block1.\"]");

    /**
     * What a {@link #DURATION_OR_AUTO} option set to {@code auto} reads as: a negative duration,
     * which no such option accepts as a value of its own.
     */
    public static final Duration AUTO = Duration.ofSeconds(-1);

    private final Class<?> javaType;
    private final String expected;

    OptionType(Class<?> javaType, String expected) {
        this.javaType = javaType;
        this.expected = expected;
    }

    /** Returns the Java class of values of this type (boxed for numbers and booleans). */
    public Class<?> javaType() {
        return javaType;
    }

    /** Returns how error messages describe a valid value. */
    public String expected() {
        return expected;
    }

    /**
     * Reads {@code text} as a value of this type, as a HOCON file would: a list may also be written
     * {@code 1,28,28} (as {@code --set} gives it), a string is taken as it is.
     *
     * @throws IllegalArgumentException saying what was expected
     */
    public Object parse(String text) {
        if (this == STRING) {
            return text;
        }
        Config value = ConfigFactory.empty().withValue("v", ConfigValueFactory.fromAnyRef(text.trim()));
        try {
            return read(value, "v");
        } catch (ConfigException | IllegalArgumentException e) {
            throw new IllegalArgumentException("expected " + expected + ", got '" + text + "'", e);
        }
    }

    /**
     * Reads {@code path} of {@code config} as a value of this type.
     *
     * @throws ConfigException if it has another type
     * @throws IllegalArgumentException if a number is not whole or out of range for this type
     */
    public Object read(Config config, String path) {
        return switch (this) {
            case STRING -> config.getString(path);
            case INT -> Math.toIntExact(whole(config.getNumber(path)));
            case LONG -> whole(config.getNumber(path));
            case DOUBLE -> config.getDouble(path);
            case BOOLEAN -> config.getBoolean(path);
            case DURATION -> config.getDuration(path);
            case DURATION_OR_AUTO -> config.getValue(path).unwrapped() instanceof String text
                    && text.trim().equalsIgnoreCase("auto") ? AUTO : config.getDuration(path);
            case SIZE -> config.getBytes(path);
            case INT_LIST -> {
                double[] values = numbers(config, path);
                int[] ints = new int[values.length];
                for (int i = 0; i < values.length; i++) {
                    ints[i] = Math.toIntExact(whole(values[i]));
                }
                yield ints;
            }
            case DOUBLE_LIST -> numbers(config, path);
            case STRING_LIST -> strings(config, path);
        };
    }

    private static long whole(Number number) {
        double value = number.doubleValue();
        if (value != Math.rint(value)) {
            throw new IllegalArgumentException("not a whole number: " + number);
        }
        if (number instanceof Double && Math.abs(value) >= 0x1p63) {
            throw new ArithmeticException("out of range: " + number);
        }
        return number.longValue();
    }

    /** A HOCON list of strings, or text such as {@code stem.,block1.} or {@code ["stem.", "block1."]}. */
    private static String[] strings(Config config, String path) {
        if (config.getValue(path).valueType() == ConfigValueType.LIST) {
            return config.getStringList(path).toArray(new String[0]);
        }
        String text = config.getString(path).trim();
        if (text.startsWith("[") && text.endsWith("]")) {
            text = text.substring(1, text.length() - 1);
        }
        if (text.isBlank()) {
            return new String[0];
        }
        return Arrays.stream(text.split(",")).map(String::trim)
                .map(part -> part.length() >= 2 && part.startsWith("\"") && part.endsWith("\"")
                        ? part.substring(1, part.length() - 1) : part)
                .toArray(String[]::new);
    }

    /** A HOCON list, or text such as {@code "1,28,28"} or {@code "[1, 28, 28]"}. */
    private static double[] numbers(Config config, String path) {
        if (config.getValue(path).valueType() == ConfigValueType.LIST) {
            return config.getDoubleList(path).stream().mapToDouble(Double::doubleValue).toArray();
        }
        String text = config.getString(path).replace("[", "").replace("]", "").trim();
        if (text.isEmpty()) {
            return new double[0];
        }
        List<String> parts = List.of(text.split(","));
        double[] values = new double[parts.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = Double.parseDouble(parts.get(i).trim());
        }
        return values;
    }
}
