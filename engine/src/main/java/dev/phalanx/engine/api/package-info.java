/**
 * What users touch: {@link dev.phalanx.engine.api.Phalanx#fit} with {@link
 * dev.phalanx.engine.api.TrainingOptions}, and the {@link dev.phalanx.engine.api.TrainedModel} it
 * returns.
 */
package dev.phalanx.engine.api;
