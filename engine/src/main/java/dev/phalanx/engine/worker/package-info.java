/**
 * What runs inside each barrier task: the per-step training loop around the model replica, the
 * worker's devices and threads, and the progress reports it sends to the driver. Nothing here
 * touches the SparkSession or driver code; the values it shares with the driver live in {@link
 * dev.phalanx.engine.job}.
 */
package dev.phalanx.engine.worker;
