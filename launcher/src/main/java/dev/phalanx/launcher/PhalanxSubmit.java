package dev.phalanx.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.launcher.SparkLauncher;

/**
 * Submits a Phalanx job through Spark's own {@link SparkLauncher} ({@code $SPARK_HOME/bin/spark-submit})
 * from another JVM — a scheduler, a service — waits for it, and returns its real outcome: the
 * child's exit code, which {@link ExitCodes} documents.
 *
 * <pre>{@code
 * Outcome outcome = new PhalanxSubmit(sparkHome, jobJar)
 *         .master("yarn").conf("spark.executor.memory", "4g")
 *         .args("train", "--config", "hdfs:///jobs/fmnist.conf")
 *         .timeout(Duration.ofHours(6))
 *         .run(Path.of("/var/log/phalanx/fmnist.log"));
 * }</pre>
 */
public final class PhalanxSubmit {

    private final Path sparkHome;
    private final Path jobJar;
    private String master = "local[*]";
    private final Map<String, String> conf = new LinkedHashMap<>();
    private final List<String> args = new ArrayList<>();
    private Duration timeout = Duration.ofHours(24);

    /**
     * Creates a submission of {@code jobJar} (the launcher's {@code -job.jar}) with the Spark
     * installation at {@code sparkHome}.
     */
    public PhalanxSubmit(Path sparkHome, Path jobJar) {
        this.sparkHome = sparkHome;
        this.jobJar = jobJar;
    }

    /** Sets the Spark master URL. */
    public PhalanxSubmit master(String master) {
        this.master = master;
        return this;
    }

    /** Sets a Spark configuration value. */
    public PhalanxSubmit conf(String key, String value) {
        conf.put(key, value);
        return this;
    }

    /** Sets the {@code phalanx} arguments, for example {@code train --config …}. */
    public PhalanxSubmit args(String... args) {
        this.args.clear();
        this.args.addAll(List.of(args));
        return this;
    }

    /** Sets how long to wait before the child is killed and the outcome is a timeout. */
    public PhalanxSubmit timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /**
     * The result of a submission.
     *
     * @param exitCode the child's exit code, or -1 if it was killed after the timeout
     * @param timedOut whether the timeout expired
     */
    public record Outcome(int exitCode, boolean timedOut) {

        /** Returns whether the job finished successfully. */
        public boolean succeeded() {
            return exitCode == ExitCodes.OK && !timedOut;
        }
    }

    /**
     * Launches spark-submit, sends its output to {@code log}, and waits for it.
     *
     * @throws IOException if spark-submit cannot be started
     */
    public Outcome run(Path log) throws IOException, InterruptedException {
        SparkLauncher launcher = new SparkLauncher()
                .setSparkHome(sparkHome.toString())
                .setAppResource(jobJar.toString())
                .setMainClass(PhalanxCli.class.getName())
                .setMaster(master)
                .redirectError()
                .redirectOutput(log.toFile());
        conf.forEach(launcher::setConf);
        launcher.addAppArgs(args.toArray(String[]::new));
        Process process = launcher.launch();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return new Outcome(-1, true);
            }
            return new Outcome(process.exitValue(), false);
        } finally {
            if (process.isAlive()) {
                process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
    }
}
