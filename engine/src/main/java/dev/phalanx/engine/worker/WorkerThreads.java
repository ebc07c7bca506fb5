package dev.phalanx.engine.worker;

/**
 * How many PyTorch intra-op threads a worker computes with: {@code threads_per_worker} when it is
 * set, otherwise the CPUs Spark gave the worker's task ({@code spark.task.cpus}, or the training
 * stage's resource profile). A worker then uses what the scheduler reserved for it: no idle cores
 * on an executor that gives each task several, no contention on one that gives each task one.
 */
public final class WorkerThreads {

    private WorkerThreads() {}

    /**
     * Returns the thread count to use.
     *
     * @param configured {@code threads_per_worker}; 0 means "the task's CPUs"
     * @param taskCpus the CPUs Spark assigned to the task
     */
    public static int resolve(int configured, int taskCpus) {
        return configured > 0 ? configured : Math.max(1, taskCpus);
    }

    /** Returns the line a worker logs about its threads. */
    public static String describe(int rank, int threads, int configured) {
        return "rank " + rank + ": " + threads + " PyTorch intra-op thread" + (threads == 1 ? "" : "s") + " ("
                + (configured > 0 ? "threads_per_worker" : "the task's CPUs, spark.task.cpus") + ")";
    }
}
