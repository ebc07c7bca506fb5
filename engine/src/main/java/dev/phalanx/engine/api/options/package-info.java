/**
 * The one registry of training options: every setting's key, type, default, check and
 * description, declared once ({@link dev.phalanx.engine.api.options.TrainingKeys}) and read by
 * {@link dev.phalanx.engine.api.TrainingOptions}, the Spark ML estimator's params and the
 * {@code phalanx} command's job-config keys, so the three cannot drift apart.
 */
package dev.phalanx.engine.api.options;
