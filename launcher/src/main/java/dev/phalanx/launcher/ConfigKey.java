package dev.phalanx.launcher;

/**
 * One documented job-config key.
 *
 * @param name the key as written in a config file or after {@code --set}
 * @param type what its value must be
 * @param defaultValue the value used when the key is absent, as HOCON text
 * @param description what it does, for docs and help
 */
public record ConfigKey(String name, Type type, String defaultValue, String description) {

    /** The value types keys can have. */
    public enum Type {
        /** Text. */
        STRING("a string"),
        /** A whole number. */
        INT("a whole number"),
        /** A 64-bit whole number. */
        LONG("a whole number"),
        /** A decimal number. */
        DOUBLE("a number"),
        /** true or false. */
        BOOLEAN("true or false"),
        /** A duration such as 30s or 2m. */
        DURATION("a duration such as 30s or 2m"),
        /** A list of whole numbers. */
        INT_LIST("a list of whole numbers such as [1, 28, 28]"),
        /** A list of numbers. */
        DOUBLE_LIST("a list of numbers such as [0.5, 0.5, 0.5]"),
        /** A number of bytes, with an optional unit such as 64m or 1g (powers of 1024). */
        SIZE("a size such as 64m or 1g");

        private final String expected;

        Type(String expected) {
            this.expected = expected;
        }

        /** Returns how error messages describe a valid value. */
        public String expected() {
            return expected;
        }
    }
}
