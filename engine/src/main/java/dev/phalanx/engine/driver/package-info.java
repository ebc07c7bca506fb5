/**
 * Driver side of a training run: preflight checks, sharding, the single barrier job, the progress
 * listener and error translation. Task closures capture only a {@link
 * dev.phalanx.engine.worker.TrainingSpec}.
 */
package dev.phalanx.engine.driver;
