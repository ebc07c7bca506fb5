/**
 * Phalanx as a Spark ML stage: {@link dev.phalanx.engine.api.ml.PhalanxClassifier} is an {@code
 * Estimator} that trains data-parallel with Phalanx, {@link
 * dev.phalanx.engine.api.ml.PhalanxClassificationModel} the {@code Model} it returns, which scores
 * DataFrames with DJL on the executors. Both are saved and loaded with Spark ML's persistence, so
 * they work inside a {@code Pipeline}.
 */
package dev.phalanx.engine.api.ml;
