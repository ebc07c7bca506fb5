package dev.phalanx.engine.data;

import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.FeatureDomain;
import dev.phalanx.models.InputSpec;
import java.io.Serializable;

/**
 * Which columns to train on and what they must hold.
 *
 * @param featuresCol the column of features: a numeric array or an ML Vector
 * @param labelCol the column of class indices: any numeric type holding whole numbers
 * @param featureLength how many values every row's features must have (token ids: are padded or cut to)
 * @param numClasses labels must lie in {@code [0, numClasses)}
 * @param domain whether the features are real values or token ids
 * @param image how encoded images in the features column are decoded; null when samples are not images
 * @param objective whether labels are class indices or regression targets
 */
public record ColumnSpec(String featuresCol, String labelCol, int featureLength, int numClasses, FeatureDomain domain,
        ImageFormat image, Objective objective) implements Serializable {

    /** Columns of real-valued features that are not encoded images, with class-index labels. */
    public ColumnSpec(String featuresCol, String labelCol, int featureLength, int numClasses) {
        this(featuresCol, labelCol, featureLength, numClasses, FeatureDomain.real(), null, Objective.CROSS_ENTROPY);
    }

    /**
     * Returns the columns for training or scoring a model that reads features of {@code domain} on
     * samples shaped by {@code input}; encoded images are decoded with this normalisation if the
     * samples are images.
     *
     * @param domain real values or token ids, as the model reads them
     * @param imageMean per-channel mean of encoded images, or null for 0
     * @param imageStd per-channel standard deviation of encoded images, or null for 1
     * @param objective what the labels are
     */
    public static ColumnSpec of(String featuresCol, String labelCol, FeatureDomain domain, InputSpec input,
            double[] imageMean, double[] imageStd, Objective objective) {
        return new ColumnSpec(featuresCol, labelCol, Math.toIntExact(input.sampleSize()), input.numClasses(),
                domain, ImageFormat.forShape(input.sampleShape(), imageMean, imageStd),
                objective);
    }

    /** Returns a reader of this spec's features column. */
    public FeatureReader featureReader() {
        return new FeatureReader(featuresCol, featureLength, domain, image);
    }
}
