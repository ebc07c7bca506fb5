package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * What one epoch achieved, over all workers.
 *
 * @param epoch 1-based epoch number
 * @param steps optimizer steps taken in this epoch
 * @param loss mean training loss over the epoch's samples
 * @param accuracy fraction of the epoch's training samples classified correctly, as they were seen
 * @param samplesPerSecond training samples processed per second, all workers together
 * @param seconds wall time of the epoch
 */
public record EpochMetrics(
        int epoch, long steps, double loss, double accuracy, double samplesPerSecond, double seconds)
        implements Serializable {}
