/**
 * The {@code phalanx} command: reads a job config (HOCON, with {@code --set} overrides), validates
 * it before Spark starts, trains on an embedded local Spark or a given master, and writes a run
 * directory with {@code summary.json}.
 */
package dev.phalanx.launcher;
