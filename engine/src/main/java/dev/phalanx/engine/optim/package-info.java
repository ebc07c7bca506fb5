/**
 * Optimizers that Phalanx owns, working on flat float buffers of all parameters: their state is
 * plain arrays, identical on every rank, and easy to checkpoint.
 */
package dev.phalanx.engine.optim;
