package dev.phalanx.engine.api.options;

import java.io.Serializable;
import java.util.Objects;

/**
 * One option: its key as a config file writes it ({@code batch_size}), its name as a Spark ML
 * param ({@code batchSize}), its type, its default (as HOCON text and as a value), what a valid
 * value is, and what it does. Declared once, in a registry such as {@link TrainingKeys}.
 *
 * @param <T> the Java type of its values, {@link OptionType#javaType()}
 */
public final class OptionKey<T> implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private final String param;
    private final OptionType type;
    private final String defaultText;
    private final T defaultValue;
    private final OptionCheck<T> check;
    private final String description;
    private final boolean inTrainingOptions;
    private final boolean inEstimator;
    private final boolean secret;

    private OptionKey(Builder<T> builder) {
        this.name = builder.name;
        this.param = builder.param != null ? builder.param : camelCase(builder.name);
        this.type = builder.type;
        this.defaultText = builder.defaultText;
        this.check = builder.check;
        this.description = builder.description;
        this.inTrainingOptions = builder.inTrainingOptions;
        this.inEstimator = builder.inEstimator && !builder.secret;
        this.secret = builder.secret;
        @SuppressWarnings("unchecked")
        T parsed = (T) type.parse(defaultText.equals("\"\"") ? "" : defaultText);
        this.defaultValue = parsed;
        String problem = check.problem(parsed);
        if (problem != null) {
            throw new IllegalStateException("the default of " + name + " is invalid: " + problem);
        }
    }

    /**
     * Starts declaring an option.
     *
     * @param name the key, lower case with underscores
     * @param type what its values are
     * @param javaType {@code type}'s Java class, which fixes {@code T}
     * @param defaultText its default as HOCON text, {@code "\"\""} for the empty string
     */
    public static <T> Builder<T> key(String name, OptionType type, Class<T> javaType, String defaultText) {
        if (!type.javaType().equals(javaType)) {
            throw new IllegalArgumentException(name + ": " + type + " values are " + type.javaType().getSimpleName());
        }
        return new Builder<>(name, type, defaultText);
    }

    /** Returns the key as written in a config file or after {@code --set}. */
    public String name() {
        return name;
    }

    /** Returns the name of its Spark ML param: the key in camel case unless declared otherwise. */
    public String param() {
        return param;
    }

    /** Returns what its values are. */
    public OptionType type() {
        return type;
    }

    /** Returns the value used when it is not set, as HOCON text. */
    public String defaultText() {
        return defaultText;
    }

    /** Returns the value used when it is not set. Arrays are shared: do not change them. */
    public T defaultValue() {
        return defaultValue;
    }

    /** Returns what it does, for docs and help. */
    public String description() {
        return description;
    }

    /** Returns whether its value must never be written down (a password). */
    public boolean secret() {
        return secret;
    }

    /** Returns whether {@link dev.phalanx.engine.api.TrainingOptions} holds it (every job config takes it). */
    public boolean inTrainingOptions() {
        return inTrainingOptions;
    }

    /** Returns whether the Spark ML estimator has a param for it. */
    public boolean inEstimator() {
        return inEstimator;
    }

    /** Returns {@code value} with this key's Java type, or throws naming the key if it has another. */
    @SuppressWarnings("unchecked")
    public T cast(Object value) {
        Object boxed = value instanceof Integer i && type == OptionType.LONG ? Long.valueOf(i) : value;
        if (!type.javaType().isInstance(boxed)) {
            throw new IllegalArgumentException(name + " expects " + type.expected() + ", got "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return (T) boxed;
    }

    /** Returns what is wrong with {@code value}, starting with this key's name, or null if it is valid. */
    public String problem(T value) {
        if (value == null) {
            return name + " must not be null";
        }
        String problem = check.problem(value);
        return problem == null ? null : name + " " + problem;
    }

    @Override
    public String toString() {
        return name;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OptionKey<?> key && key.name.equals(name);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name);
    }

    /** Turns {@code batch_size} into {@code batchSize}. */
    static String camelCase(String key) {
        StringBuilder camel = new StringBuilder();
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                camel.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return camel.toString();
    }

    /** Declares an option step by step; {@link #doc} ends the declaration. */
    public static final class Builder<T> {

        private final String name;
        private final OptionType type;
        private final String defaultText;
        private String param;
        private OptionCheck<T> check = OptionCheck.any();
        private String description;
        private boolean inTrainingOptions = true;
        private boolean inEstimator = true;
        private boolean secret;

        private Builder(String name, OptionType type, String defaultText) {
            this.name = name;
            this.type = type;
            this.defaultText = defaultText;
        }

        /** Sets what a valid value is (default: any). */
        public Builder<T> check(OptionCheck<T> check) {
            this.check = check;
            return this;
        }

        /** Names its Spark ML param otherwise than the key in camel case, as an existing param was called. */
        public Builder<T> param(String param) {
            this.param = param;
            return this;
        }

        /** Keeps it out of the Spark ML estimator's params (a regression loss, a testing aid). */
        public Builder<T> notInEstimator() {
            this.inEstimator = false;
            return this;
        }

        /**
         * Keeps it out of {@code TrainingOptions}, whose constructor takes it instead (the input
         * spec) or which never sees it (the {@code phalanx} command's own keys).
         */
        public Builder<T> notInTrainingOptions() {
            this.inTrainingOptions = false;
            return this;
        }

        /** Marks a job-config key of the {@code phalanx} command alone: no option, no param. */
        public Builder<T> jobConfigOnly() {
            return notInTrainingOptions().notInEstimator();
        }

        /** Marks a password: never written to job.conf, never a Spark ML param. */
        public Builder<T> secret() {
            this.secret = true;
            return this;
        }

        /** Sets what it does and returns the option. */
        public OptionKey<T> doc(String description) {
            this.description = description;
            return new OptionKey<>(this);
        }
    }
}
