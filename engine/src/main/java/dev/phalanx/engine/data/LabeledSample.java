package dev.phalanx.engine.data;

import java.io.Serializable;

/**
 * One training example after conversion: its features as float32 and its class index.
 *
 * @param features the sample's values, flattened
 * @param label the class index, in {@code [0, numClasses)}
 */
public record LabeledSample(float[] features, int label) implements Serializable {}
