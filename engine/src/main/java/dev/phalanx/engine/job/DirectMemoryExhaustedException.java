package dev.phalanx.engine.job;

/**
 * A worker ran out of direct memory (off the Java heap), where its shard, its model's parameters
 * and gradients and its connections' buffers live. The JVM reports that as an {@link
 * OutOfMemoryError}, which Spark treats as fatal and answers by ending the executor, in local mode
 * the application itself; the worker reports it as this exception instead, whose message says
 * which settings to change. A relaunch on the same executors would run out again, so the driver
 * does not relaunch for it.
 */
public final class DirectMemoryExhaustedException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** Creates the exception; the message names the rank, the JVM's limit and the settings to change. */
    public DirectMemoryExhaustedException(String message, Throwable cause) {
        super(message, cause);
    }

    private DirectMemoryExhaustedException(String message, StackTraceElement[] where) {
        super(message);
        setStackTrace(where);
    }

    /**
     * Returns the exception for {@code error} if it is the JVM's "direct buffer memory" error, else
     * null: any other {@link OutOfMemoryError} is a real heap problem and stays fatal.
     *
     * @param shardMemoryBudget the job's shard_memory_budget in bytes
     */
    public static DirectMemoryExhaustedException from(OutOfMemoryError error, int rank, long shardMemoryBudget) {
        String message = error.getMessage();
        if (message == null || !message.contains("direct buffer memory")) {
            return null;
        }
        // Not the error as the cause: Spark looks down a task failure's causes for fatal errors and
        // would end the executor all the same. Its stack trace, where the allocation failed, is kept.
        return new DirectMemoryExhaustedException("rank " + rank + " ran out of direct memory (" + message + "): its"
                + " shard may take up to shard_memory_budget = " + size(shardMemoryBudget) + " of it, and every worker"
                + " in the JVM needs room besides for its model's parameters and gradients; lower"
                + " shard_memory_budget (the rest of a shard spills to local disk), or give the JVM more"
                + " (-XX:MaxDirectMemorySize, by default the heap size: spark.executor.memory, or"
                + " spark.driver.memory in local mode)", error.getStackTrace());
    }

    private static String size(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
