package dev.phalanx.engine.data;

import dev.phalanx.models.FeatureDomain;
import java.io.Serializable;

/**
 * Which columns to train on and what they must hold.
 *
 * @param featuresCol the column of features: a numeric array or an ML Vector
 * @param labelCol the column of class indices: any numeric type holding whole numbers
 * @param featureLength how many values every row's features must have (token ids: are padded or cut to)
 * @param numClasses labels must lie in {@code [0, numClasses)}
 * @param domain whether the features are real values or token ids
 */
public record ColumnSpec(String featuresCol, String labelCol, int featureLength, int numClasses, FeatureDomain domain)
        implements Serializable {

    /** Columns of real-valued features. */
    public ColumnSpec(String featuresCol, String labelCol, int featureLength, int numClasses) {
        this(featuresCol, labelCol, featureLength, numClasses, FeatureDomain.real());
    }
}
