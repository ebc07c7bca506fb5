package dev.phalanx.engine.api.ml;

import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.Params;

/**
 * The params that the classifier and its model share — the network, its input and the column
 * names — defined once so both carry the same names and documentation. Spark ML copies them from
 * the estimator to the model by name.
 */
final class ColumnParams {

    /** Spark ML's default column names, so Phalanx drops into pipelines written for other classifiers. */
    static final String FEATURES = "features";
    static final String LABEL = "label";
    static final String PREDICTION = "prediction";
    static final String PROBABILITY = "probability";
    static final String RAW_PREDICTION = "rawPrediction";

    private ColumnParams() {}

    static Param<String> featuresCol(Params owner) {
        return new Param<>(owner, "featuresCol",
                "features column: an array of numbers or an ML Vector, as many values as inputShape holds");
    }

    static Param<String> predictionCol(Params owner) {
        return new Param<>(owner, "predictionCol", "output column of the predicted class index (double)");
    }

    static Param<String> probabilityCol(Params owner) {
        return new Param<>(owner, "probabilityCol",
                "output column of class probabilities (softmax of the raw scores); empty to skip");
    }

    static Param<String> rawPredictionCol(Params owner) {
        return new Param<>(owner, "rawPredictionCol", "output column of raw class scores (logits); empty to skip");
    }

    static Param<String> modelName(Params owner) {
        return new Param<>(owner, "modelName", "model spec from Phalanx's catalog: mlp, cnn, resnet or transformer,"
                + " with options as name(option=value, ...)");
    }

    static IntArrayParam inputShape(Params owner) {
        return new IntArrayParam(owner, "inputShape",
                "shape of one sample, for example [1, 28, 28]; when unset, a flat vector of the features' length");
    }

    static DoubleArrayParam imageMean(Params owner) {
        return new DoubleArrayParam(owner, "imageMean",
                "encoded images: per-channel mean subtracted after scaling pixels to [0, 1]; unset for 0");
    }

    static DoubleArrayParam imageStd(Params owner) {
        return new DoubleArrayParam(owner, "imageStd",
                "encoded images: per-channel standard deviation divided by after that; unset for 1");
    }

    static IntParam numClasses(Params owner) {
        return new IntParam(owner, "numClasses",
                "number of classes; 0 means one more than the largest label in the training data",
                ParamValidators.gtEq(0));
    }
}
