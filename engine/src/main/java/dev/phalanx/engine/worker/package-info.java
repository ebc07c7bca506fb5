/**
 * What runs inside each barrier task: the model replica, the per-step training loop and the
 * progress reports it sends to the driver. Nothing here touches the SparkSession or driver code.
 */
package dev.phalanx.engine.worker;
