/**
 * Optimizers that Phalanx owns, working on flat buffers of all parameters: in Java on host buffers
 * ({@link dev.phalanx.engine.optim.Optimizer}), or as whole-buffer tensor operations where the
 * parameters live ({@link dev.phalanx.engine.optim.TensorOptimizer}). Their state is plain arrays
 * when saved, identical on every rank, and easy to checkpoint.
 */
package dev.phalanx.engine.optim;
