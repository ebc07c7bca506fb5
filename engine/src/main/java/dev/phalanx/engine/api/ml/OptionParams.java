package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionType;
import java.io.Serializable;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.param.Params;
import scala.runtime.AbstractFunction1;

/**
 * Spark ML params made from training options ({@link dev.phalanx.engine.api.options.TrainingKeys}):
 * the param takes the option's camel-case name, description, default and check, so the estimator,
 * {@code TrainingOptions} and the job config cannot disagree. Durations are string params written
 * as in a config file ({@code "2m"}, or {@code "auto"} where a key allows it); sizes are long params in bytes.
 */
final class OptionParams {

    private OptionParams() {}

    /** Returns a param of {@code owner} for {@code key}, refusing an invalid value with the key's message. */
    static Param<?> create(Params owner, OptionKey<?> key) {
        String doc = key.description() + " (job config key " + key.name() + ")";
        String name = key.param();
        return switch (key.type()) {
            case STRING, DURATION, DURATION_OR_AUTO -> new Param<>(owner, name, doc, new Check<String>(key));
            case INT -> new IntParam(owner, name, doc, new Check<>(key));
            case LONG, SIZE -> new LongParam(owner, name, doc, new Check<>(key));
            case DOUBLE -> new DoubleParam(owner, name, doc, new Check<>(key));
            case BOOLEAN -> new BooleanParam(owner, name, doc);
            case INT_LIST -> new IntArrayParam(owner, name, doc, new Check<int[]>(key));
            case DOUBLE_LIST -> new DoubleArrayParam(owner, name, doc, new Check<double[]>(key));
            case STRING_LIST -> new StringArrayParam(owner, name, doc, new Check<String[]>(key));
        };
    }

    /** Returns {@code key}'s default as the param holds it: a duration as its config text. */
    static Object paramDefault(OptionKey<?> key) {
        return isDuration(key) ? key.defaultText() : key.defaultValue();
    }

    /** Returns the option's value for a value of its param: a duration's text is parsed. */
    static <T> T optionValue(OptionKey<T> key, Object paramValue) {
        return key.cast(isDuration(key) ? key.type().parse((String) paramValue) : paramValue);
    }

    private static boolean isDuration(OptionKey<?> key) {
        return key.type() == OptionType.DURATION || key.type() == OptionType.DURATION_OR_AUTO;
    }

    /** A param's check: the key's, throwing its message (Spark's own says only "invalid value"). */
    private static final class Check<V> extends AbstractFunction1<V, Object> implements Serializable {

        private static final long serialVersionUID = 1L;

        private final OptionKey<?> key;

        Check(OptionKey<?> key) {
            this.key = key;
        }

        @Override
        public Object apply(V value) {
            String problem = problem(key, value);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            return Boolean.TRUE;
        }

        private static <T> String problem(OptionKey<T> key, Object paramValue) {
            try {
                return key.problem(optionValue(key, paramValue));
            } catch (IllegalArgumentException e) {
                return key.name() + " " + e.getMessage();
            }
        }
    }
}
