package dev.phalanx.engine.driver;

import java.time.Duration;
import org.apache.spark.SparkContext;

/**
 * Checks that the cluster can run W barrier tasks at once before launching: a barrier stage needs
 * all its tasks running together, and Spark otherwise retries and fails with a message that does
 * not name the setting to change.
 */
final class SlotCheck {

    private static final long POLL_MILLIS = 200;

    private SlotCheck() {}

    /**
     * Waits up to {@code wait} for executors to offer {@code workers} task slots.
     *
     * @throws IllegalArgumentException naming {@code workers} and what the cluster offers
     */
    static void requireSlots(SparkContext sc, int workers, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        int slots = slots(sc);
        while (slots < workers && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            slots = slots(sc);
        }
        if (slots < workers) {
            throw new IllegalArgumentException("workers = " + workers + " but Spark master '" + sc.master()
                    + "' offers " + slots + " concurrent task slots (spark.task.cpus = "
                    + sc.getConf().get("spark.task.cpus", "1") + "); lower workers or add executors/cores");
        }
    }

    private static int slots(SparkContext sc) {
        // Scala's private[spark] is public in bytecode; this is the number Spark's own barrier check uses.
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }
}
