package dev.phalanx.engine.driver;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.spark.SparkEnv;

/**
 * Where a task may put scratch files on its executor: the local directories Spark itself uses for
 * shuffle and spill files, found from the environment and the executor's configuration (Spark's
 * own lookup is private to Spark).
 */
final class ExecutorLocalDirs {

    private ExecutorLocalDirs() {}

    /** Returns the local directory for worker {@code rank}'s scratch files on this executor. */
    static Path forRank(int rank) {
        SparkEnv env = SparkEnv.get();
        String sparkLocalDir = env == null ? null : env.conf().get("spark.local.dir", null);
        List<String> dirs = resolve(System.getenv(), sparkLocalDir, System.getProperty("java.io.tmpdir"));
        // Several directories are usually several disks: spread the workers of one executor over them.
        return Path.of(dirs.get(rank % dirs.size()));
    }

    /**
     * Returns the configured local directories in Spark's order of precedence: YARN's container
     * directories, the standalone worker's per-application directories, {@code SPARK_LOCAL_DIRS}
     * (also set on Kubernetes), {@code spark.local.dir}, and last the JVM's temporary directory.
     */
    static List<String> resolve(Map<String, String> env, String sparkLocalDir, String tmpDir) {
        if (env.containsKey("CONTAINER_ID") && present(env.get("LOCAL_DIRS"))) {
            return split(env.get("LOCAL_DIRS"), ",");
        }
        if (present(env.get("SPARK_EXECUTOR_DIRS"))) {
            return split(env.get("SPARK_EXECUTOR_DIRS"), File.pathSeparator);
        }
        if (present(env.get("SPARK_LOCAL_DIRS"))) {
            return split(env.get("SPARK_LOCAL_DIRS"), ",");
        }
        if (present(sparkLocalDir)) {
            return split(sparkLocalDir, ",");
        }
        return List.of(tmpDir);
    }

    private static boolean present(String value) {
        return value != null && !value.isBlank();
    }

    private static List<String> split(String dirs, String separator) {
        List<String> result = new ArrayList<>();
        for (String dir : dirs.split(Pattern.quote(separator))) {
            if (!dir.isBlank()) {
                result.add(dir.trim());
            }
        }
        return result;
    }
}
