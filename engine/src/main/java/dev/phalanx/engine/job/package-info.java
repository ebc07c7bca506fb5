/**
 * The values that describe a training job and its outcome, shared by the API, the driver, the
 * workers and the checkpoints: what training minimises, per-epoch and per-step metrics, what rank
 * 0 returns, a deliberate fault for tests, and the failures a job reports. Plain serialisable values
 * with no behaviour of their own; this package depends on no other Phalanx package.
 */
package dev.phalanx.engine.job;
