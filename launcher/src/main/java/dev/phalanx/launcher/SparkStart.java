package dev.phalanx.launcher;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkException;
import org.apache.spark.sql.SparkSession;

/**
 * Starts a job's Spark session, turning a master that cannot serve the job into a config error
 * naming {@code master}: a URL Spark cannot parse, and for a standalone master ({@code spark://})
 * one that cannot be reached or that does not accept the application in time. Spark would retry
 * such a master for about a minute, then stop its context, and the job would end in "Cannot call
 * methods on a stopped SparkContext".
 */
final class SparkStart {

    /**
     * The least time a standalone master is given whatever {@code slot_wait_timeout} says, since
     * the time includes Spark's own start on this machine (a {@code 0s} slot wait means "do not wait
     * for slots", not "fail any master").
     */
    static final Duration MIN_MASTER_WAIT = Duration.ofSeconds(10);

    /** How Spark's calls on a stopped context fail. */
    private static final String STOPPED_CONTEXT = "Cannot call methods on a stopped SparkContext";

    private SparkStart() {}

    /**
     * Starts the session; for a standalone master, within {@code wait} (at least {@link
     * #MIN_MASTER_WAIT}).
     *
     * @throws ConfigError naming {@code master} when it is not a master URL, cannot be reached, does
     *     not accept the application within the wait, or ends it at once
     */
    static SparkSession start(SparkSession.Builder builder, String master, Duration wait) {
        List<InetSocketAddress> addresses = StandaloneMaster.addresses(master);
        if (addresses.isEmpty()) {
            return getOrCreate(builder, master);
        }
        Duration bound = wait.compareTo(MIN_MASTER_WAIT) < 0 ? MIN_MASTER_WAIT : wait;
        long deadline = System.nanoTime() + bound.toNanos();
        InetSocketAddress reachable = StandaloneMaster.requireReachable(master, addresses, deadline);
        // Spark waits for the master to register the application inside getOrCreate, with no
        // timeout of its own but its minute of retries; the start runs apart so that wait is bounded.
        CompletableFuture<SparkSession> started = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                started.complete(getOrCreate(builder, master));
            } catch (Throwable e) {
                started.completeExceptionally(e);
            }
        }, "phalanx-spark-start");
        thread.setDaemon(true);
        thread.start();
        SparkSession spark;
        try {
            spark = started.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // The start goes on until Spark gives up on the master; whatever it makes is stopped then.
            started.thenAccept(SparkSession::stop);
            throw new ConfigError("master '" + master + "' did not accept the application within " + bound.toSeconds()
                    + " s (slot_wait_timeout, at least " + MIN_MASTER_WAIT.toSeconds() + " s): something listens at "
                    + StandaloneMaster.text(reachable) + " but no Spark master there registered the application; is"
                    + " it the master's port (7077 by default, not its web UI's)?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.thenAccept(SparkSession::stop);
            throw new IllegalStateException("interrupted while starting Spark on master '" + master + "'", e);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause());
        }
        // getOrCreate set the session as active on the thread that made it; the job runs on this one.
        SparkSession.setActiveSession(spark);
        if (spark.sparkContext().isStopped()) {
            throw stopped(master, new IllegalStateException(STOPPED_CONTEXT + ", stopped as it started"));
        }
        return spark;
    }

    /**
     * Returns the error for a Spark context stopped under the job: a cluster manager stops it when
     * it gives up on the application (a master that went away, or that removed the application),
     * and the job's next call fails, typically with "Cannot call methods on a stopped SparkContext".
     * Spark logs the cluster manager's reason; the message points there.
     *
     * @param failure what the job's call threw, kept as the cause
     */
    static ConfigError stopped(String master, Throwable failure) {
        ConfigError error = new ConfigError("master '" + master + "' ended the application: Spark's context was"
                + " stopped under the job; the log above gives the cluster manager's reason, such as a master that went"
                + " away or removed the application");
        error.initCause(failure);
        return error;
    }

    /**
     * Starts the session on this thread: a master URL Spark cannot parse is a config error naming
     * it, and so is a context the cluster manager stopped while it started.
     */
    private static SparkSession getOrCreate(SparkSession.Builder builder, String master) {
        try {
            return builder.getOrCreate();
        } catch (Exception e) {
            // Scala's SparkException is checked in Java's eyes but undeclared, hence Exception here.
            if (e instanceof SparkException && String.valueOf(e.getMessage()).contains("Master URL")) {
                throw new ConfigError("master '" + master + "' is not a Spark master URL (" + e.getMessage()
                        + "); expected for example local[4], spark://host:7077, yarn or k8s://https://host:443");
            }
            if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).startsWith(STOPPED_CONTEXT)) {
                throw stopped(master, e);
            }
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("cannot start Spark: " + e, e);
        }
    }

    private static RuntimeException rethrow(Throwable cause) {
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException("cannot start Spark: " + cause, cause);
    }
}
