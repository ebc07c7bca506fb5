package dev.phalanx.engine.api.options;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What a valid value of one option is, on its own (checks across options belong to {@link
 * dev.phalanx.engine.api.TrainingOptions#validate()}). Serializable, so Spark ML params built on it
 * travel with their estimator.
 *
 * @param <T> the option's value type
 */
@FunctionalInterface
public interface OptionCheck<T> extends Serializable {

    /** Returns what is wrong with {@code value}, worded to follow the key's name, or null if it is valid. */
    String problem(T value);

    /** Accepts every value. */
    static <T> OptionCheck<T> any() {
        return value -> null;
    }

    /** A whole number of at least {@code min}. */
    static <T extends Number> OptionCheck<T> atLeast(long min) {
        return value -> value.longValue() >= min ? null : "must be at least " + min + ", got " + value;
    }

    /** A whole number that is not negative. */
    static <T extends Number> OptionCheck<T> notNegative() {
        return value -> value.doubleValue() >= 0 ? null : "must not be negative, got " + value;
    }

    /** A finite number above zero. */
    static OptionCheck<Double> positive() {
        return value -> value > 0 && Double.isFinite(value) ? null : "must be positive, got " + value;
    }

    /** A number in {@code [min, max)}. */
    static OptionCheck<Double> inRange(double min, double max) {
        return value -> value >= min && value < max ? null
                : "must be in [" + plain(min) + ", " + plain(max) + "), got " + value;
    }

    /** A duration above zero. */
    static OptionCheck<Duration> positiveDuration() {
        return value -> !value.isNegative() && !value.isZero() ? null : "must be positive, got " + readable(value);
    }

    /** A duration that is not negative. */
    static OptionCheck<Duration> notNegativeDuration() {
        return value -> !value.isNegative() ? null : "must not be negative, got " + readable(value);
    }

    /** A duration that is {@link OptionType#AUTO} or not negative. */
    static OptionCheck<Duration> autoOrNotNegativeDuration() {
        return value -> value.equals(OptionType.AUTO) || !value.isNegative() ? null
                : "must be auto or not negative, got " + readable(value);
    }

    /** Text that is not blank. */
    static OptionCheck<String> notBlank(String problem) {
        return value -> !value.isBlank() ? null : problem;
    }

    /** One of {@code names}, which errors call {@code what}, for example "known optimizers". */
    static OptionCheck<String> oneOf(List<String> names, String what) {
        List<String> known = List.copyOf(names);
        return value -> known.contains(value) ? null
                : "'" + value + "' is unknown; " + what + ": " + String.join(", ", known);
    }

    /** A duration as config files write it, {@code -5s} or {@code 2m}, rather than {@code PT-5S}. */
    static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
