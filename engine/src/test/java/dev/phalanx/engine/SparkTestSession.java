package dev.phalanx.engine;

import org.apache.spark.sql.SparkSession;

/**
 * One real local Spark session for all tests of a JVM ({@code local[3]}: three task slots, so a test
 * can run W=3; local tasks are threads, so that holds on the two-core CI machine too), with a short
 * barrier timeout so a hung test fails instead of waiting a year.
 */
public final class SparkTestSession {

    private static SparkSession session;

    private SparkTestSession() {}

    /** Returns the shared session, starting it on first use. */
    public static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[3]")
                    .appName("phalanx-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.barrier.sync.timeout", "300s")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }
}
