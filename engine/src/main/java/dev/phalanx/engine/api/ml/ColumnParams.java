package dev.phalanx.engine.api.ml;

import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The output-column params that an estimator and its model share, defined once so both carry the
 * same names and documentation (the training options they share come from {@link OptionParams}).
 * Spark ML copies them from the estimator to the model by name.
 */
final class ColumnParams {

    /** Spark ML's default column names, so Phalanx drops into pipelines written for other classifiers. */
    static final String PREDICTION = "prediction";
    static final String PROBABILITY = "probability";
    static final String RAW_PREDICTION = "rawPrediction";

    private ColumnParams() {}

    static Param<String> predictionCol(Params owner) {
        return new Param<>(owner, "predictionCol", "output column of the predicted class index (double)");
    }

    static Param<String> predictedValueCol(Params owner) {
        return new Param<>(owner, "predictionCol", "output column of the predicted value (double)");
    }

    static Param<String> probabilityCol(Params owner) {
        return new Param<>(owner, "probabilityCol",
                "output column of class probabilities (softmax of the raw scores); empty to skip");
    }

    static Param<String> rawPredictionCol(Params owner) {
        return new Param<>(owner, "rawPredictionCol", "output column of raw class scores (logits); empty to skip");
    }
}
