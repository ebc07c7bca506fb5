package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * Median milliseconds of a training step and of its phases on rank 0, over the steady-state
 * steps (the second half of those recorded). The phase medians need not add up to the step's.
 *
 * @param step the whole step
 * @param data gathering the batch from the shard
 * @param forwardBackward forward pass, loss and backward pass in PyTorch
 * @param gradientsOut getting the gradients out of PyTorch (a copy only on the first step; then
 *     they live in the buffer that is all-reduced)
 * @param allReduce averaging the gradients over all workers
 * @param optimizer the update, written straight into the parameters PyTorch reads, and zeroing
 *     the gradients
 * @param steps how many steps the medians are taken over
 */
public record StepSplit(
        double step, double data, double forwardBackward, double gradientsOut, double allReduce, double optimizer,
        int steps) implements Serializable {}
