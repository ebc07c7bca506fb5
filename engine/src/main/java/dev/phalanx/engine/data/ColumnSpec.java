package dev.phalanx.engine.data;

import java.io.Serializable;

/**
 * Which columns to train on and what they must hold.
 *
 * @param featuresCol the column of features: a numeric array or an ML Vector
 * @param labelCol the column of class indices: any numeric type holding whole numbers
 * @param featureLength how many values every row's features must have
 * @param numClasses labels must lie in {@code [0, numClasses)}
 */
public record ColumnSpec(String featuresCol, String labelCol, int featureLength, int numClasses)
        implements Serializable {}
