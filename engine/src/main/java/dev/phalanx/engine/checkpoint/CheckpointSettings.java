package dev.phalanx.engine.checkpoint;

import java.io.Serializable;
import java.time.Duration;

/**
 * Where and how often a job checkpoints.
 *
 * @param uri the checkpoint directory, any Hadoop file system URI
 * @param hadoopConf the driver's Hadoop configuration
 * @param everySteps checkpoint every this many steps; 0 = off
 * @param interval checkpoint when this much time has passed since the last; zero = off; ignored
 *     when {@code autoJobMtbf} is set
 * @param autoJobMtbf the job's mean time between failures when the interval is chosen from it and
 *     the measured checkpoint pause ({@code checkpoint_interval = auto}), else zero
 * @param keep how many checkpoints to keep
 * @param timeout how long one checkpoint write, or one call to the store on the driver, may take
 * @param leaseTimeout how long the job's lease on the directory stays valid without a heartbeat
 * @param resumeWithOtherData whether a checkpoint trained on other data may be resumed from
 */
public record CheckpointSettings(String uri, HadoopConf hadoopConf, long everySteps, Duration interval,
        Duration autoJobMtbf, int keep, Duration timeout, Duration leaseTimeout, boolean resumeWithOtherData)
        implements Serializable {

    /** Whether the interval is chosen automatically ({@code checkpoint_interval = auto}). */
    public boolean autoInterval() {
        return !autoJobMtbf.isNegative() && !autoJobMtbf.isZero();
    }
}
