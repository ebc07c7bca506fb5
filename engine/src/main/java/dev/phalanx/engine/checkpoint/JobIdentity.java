package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.job.DataFingerprint;
import java.io.Serializable;

/**
 * What must match between a checkpoint and the job resuming from it. The model and optimizer
 * decide whether the state fits at all; the batch size, seed and shuffle flag decide the sample
 * order, which exact resume depends on; the data's fingerprint tells whether the job trains on the
 * data the checkpoint was trained on. The number of workers may change (the state is re-sharded on
 * load; {@link #workersChangeWith} says what that means for the sample order).
 *
 * @param model model name
 * @param parameterShapes the model's parameter shapes, for example {@code [256, 784] [256] …}
 * @param optimizer optimizer name
 * @param workers world size
 * @param batchSize global batch size
 * @param seed seed
 * @param shuffle whether shards are reshuffled each epoch
 * @param data the training data's fingerprint; null in checkpoints written before it was recorded
 */
public record JobIdentity(
        String model, String parameterShapes, String optimizer, int workers, int batchSize, long seed, boolean shuffle,
        DataFingerprint data)
        implements Serializable {

    /**
     * Returns null when a job with identity {@code job} can resume from a checkpoint with this
     * identity, else the first mismatch in words. The data is not compared: see {@link
     * #dataMismatchWith}.
     */
    public String mismatchWith(JobIdentity job) {
        if (!model.equals(job.model) || !parameterShapes.equals(job.parameterShapes)) {
            return "it holds model '" + model + "' with parameters " + parameterShapes + "; this job trains '"
                    + job.model + "' with parameters " + job.parameterShapes;
        }
        if (!optimizer.equals(job.optimizer)) {
            return "it holds the state of optimizer '" + optimizer + "'; this job uses '" + job.optimizer + "'";
        }
        if (batchSize != job.batchSize || seed != job.seed || shuffle != job.shuffle) {
            return "it was written with batch_size = " + batchSize + ", seed = " + seed + ", shuffle = " + shuffle
                    + "; this job has batch_size = " + job.batchSize + ", seed = " + job.seed + ", shuffle = "
                    + job.shuffle + " (exact resume needs the same sample order)";
        }
        return null;
    }

    /**
     * Returns null when {@code job} has this identity's number of workers, else what resuming with
     * another number means, in words: the parameters and optimizer state are re-sharded on load;
     * without shuffling the steps take the same samples (each step's global batch is the same rows
     * whatever W), with it the rest of the run follows the new W's sample order.
     */
    public String workersChangeWith(JobIdentity job) {
        if (workers == job.workers) {
            return null;
        }
        return "it was written by " + workers + " workers and this job has " + job.workers + ": the parameters and"
                + " optimizer state are re-sharded on load" + (shuffle ? "; with shuffle = true the samples of the"
                        + " remaining steps are drawn as " + job.workers + " workers draw them, not as the "
                        + workers + " would have" : "");
    }

    /**
     * Returns null when this identity's data is {@code job}'s, or unknown (a checkpoint from before
     * fingerprints), else both fingerprints in words. Apart from {@link #mismatchWith}, because the
     * user may choose to resume on other data anyway.
     */
    public String dataMismatchWith(JobIdentity job) {
        if (data == null || data.equals(job.data)) {
            return null;
        }
        return "it was trained on other data (" + data + "); this job's data has " + job.data;
    }
}
