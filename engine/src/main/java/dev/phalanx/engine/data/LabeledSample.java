package dev.phalanx.engine.data;

import java.io.Serializable;

/**
 * One training example after conversion: its features as float32 and its label.
 *
 * @param features the sample's values, flattened
 * @param label the class index in {@code [0, numClasses)}, or for regression the float32 bits of the
 *     target ({@link dev.phalanx.engine.job.Objective#encode})
 */
public record LabeledSample(float[] features, int label) implements Serializable {}
