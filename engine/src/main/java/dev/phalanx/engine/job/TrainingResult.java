package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.List;

/**
 * What rank 0 sends back to the driver when training ends.
 *
 * @param parameters all model parameters, flattened in the block's parameter order; null when
 *     {@code checkpoint} holds them
 * @param history one entry per epoch
 * @param steps optimizer steps taken in all
 * @param trainSeconds wall time from the first step to the last
 * @param samplesPerSecond training samples per second over the whole run, all workers together
 * @param split median time per step and per phase on rank 0
 * @param times when rank 0's phases ended: {@code shard_filled}, {@code connected} (the rendezvous),
 *     {@code model_built}, {@code first_step} (when it started its first step), {@code training_done}
 * @param devices every rank's devices, one line per rank in rank order
 * @param progressReports how many progress reports rank 0 sent the driver, so the driver can hand
 *     them all on before it stops listening
 * @param validations every validation taken, in order
 * @param kept with early stopping, the index in {@code validations} whose parameters these are; -1
 *     when they are the last step's
 * @param stoppedEarly whether early stopping ended training before its last epoch
 * @param checkpoint with checkpoints, the final checkpoint's location, which holds the parameters
 *     (with early stopping the kept ones in its {@code best.bin}), so that nothing model-sized
 *     travels to the driver; null without checkpoints
 */
public record TrainingResult(
        float[] parameters, List<EpochMetrics> history, long steps, double trainSeconds, double samplesPerSecond,
        StepSplit split, PhaseTimes times, List<String> devices, long progressReports,
        List<Validation> validations, int kept, boolean stoppedEarly, String checkpoint)
        implements Serializable {}
