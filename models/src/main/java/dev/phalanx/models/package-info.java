/**
 * Model definitions for Phalanx, as DJL blocks chosen by name.
 *
 * <p>This module depends on DJL only: no Spark, no engine code, so a model can be built and tested
 * on its own and reused for inference outside Spark.
 */
package dev.phalanx.models;
