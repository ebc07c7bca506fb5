/**
 * Planning a long run at scale: how failures, their detection and relaunch, and the checkpoint
 * cadence decide the share of wall time that trains ({@link dev.phalanx.engine.plan.FailureSimulation},
 * {@link dev.phalanx.engine.plan.CheckpointCadence}).
 */
package dev.phalanx.engine.plan;
