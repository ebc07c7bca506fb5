package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.List;

/**
 * Progress at a logged step, over all workers since the previous logged step.
 *
 * @param step global step just completed (1-based count of steps done)
 * @param totalSteps steps the whole run takes
 * @param epoch 1-based epoch of that step
 * @param loss mean training loss over the interval, all workers
 * @param samplesPerSecond training samples per second over the interval, all workers together
 * @param allReduceMillis mean time per step spent in the gradient all-reduce on rank 0
 * @param learningRate the learning rate of the step just completed (the schedule's)
 * @param timings where every rank's step time went over the interval, and the slowest rank
 * @param checkpoints the checkpoint writes rank 0 finished during the interval, oldest first
 */
public record StepMetrics(
        long step, long totalSteps, int epoch, double loss, double samplesPerSecond, double allReduceMillis,
        double learningRate, RankTimings timings, List<CheckpointWrite> checkpoints)
        implements Serializable {

    /** Progress at a logged step during which no checkpoint write finished. */
    public StepMetrics(long step, long totalSteps, int epoch, double loss, double samplesPerSecond,
            double allReduceMillis, double learningRate, RankTimings timings) {
        this(step, totalSteps, epoch, loss, samplesPerSecond, allReduceMillis, learningRate, timings, List.of());
    }
}
