package dev.phalanx.engine.driver;

import java.time.Duration;
import org.apache.spark.SparkContext;
import org.apache.spark.resource.ResourceProfile;

/**
 * Checks that the cluster can run W barrier tasks at once before launching: a barrier stage needs
 * all its tasks running together, and Spark otherwise retries and fails with a message that does
 * not name the setting to change.
 */
final class SlotCheck {

    private static final long POLL_MILLIS = 200;

    private SlotCheck() {}

    /**
     * Waits up to {@code wait} for executors to offer {@code workers} task slots of the given
     * profile (the default one for a CPU job, {@link GpuResources#trainingProfile} for a GPU job);
     * no longer once the context is stopped (its cluster manager gave up on the application), as
     * no slots can come then.
     *
     * @param gpusPerWorker GPUs per task in {@code profile}, 0 for a CPU job; only for the message
     * @throws IllegalArgumentException naming {@code workers} and what the cluster offers
     */
    static void requireSlots(SparkContext sc, int workers, Duration wait, ResourceProfile profile, int gpusPerWorker) {
        long deadline = System.nanoTime() + wait.toNanos();
        int slots = slots(sc, profile);
        while (slots < workers && System.nanoTime() < deadline && !sc.isStopped()) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = slots(sc, profile);
        }
        if (slots < workers && gpusPerWorker > 0) {
            throw new IllegalArgumentException("workers = " + workers + " with gpus_per_worker = " + gpusPerWorker
                    + " but Spark master '" + sc.master() + "' offers " + slots + " concurrent task slots with "
                    + gpusPerWorker + " GPU(s) each (spark.executor.resource.gpu.amount = "
                    + sc.getConf().get("spark.executor.resource.gpu.amount", "unset") + ", spark.task.cpus = "
                    + sc.getConf().get("spark.task.cpus", "1") + "); give the executors GPUs (standalone workers:"
                    + " spark.worker.resource.gpu.amount and spark.worker.resource.gpu.discoveryScript), add"
                    + " executors, or lower workers");
        }
        if (slots < workers) {
            throw new IllegalArgumentException("workers = " + workers + " but Spark master '" + sc.master()
                    + "' offers " + slots + " concurrent task slots (spark.task.cpus = "
                    + sc.getConf().get("spark.task.cpus", "1") + "); lower workers or add executors/cores");
        }
    }

    private static int slots(SparkContext sc, ResourceProfile profile) {
        // Scala's private[spark] is public in bytecode; this is the number Spark's own barrier check uses.
        return sc.maxNumConcurrentTasks(profile);
    }
}
