package dev.phalanx.launcher;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.checkpoint.BoundedStoreCall;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code phalanx checkpoints RUN_DIR}: lists a run's checkpoints, newest first, with step, epoch,
 * time, size, and whether each is valid or why not. Reads only; changes nothing.
 */
@Command(name = "checkpoints", mixinStandardHelpOptions = true,
        description = "List a run's checkpoints and whether each is valid.")
final class CheckpointsCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Parameters(paramLabel = "RUN_DIR", description = "the run directory (any Hadoop file system URI)")
    String runDir;

    private final PrintStream out;

    CheckpointsCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        Configuration conf = new Configuration();
        String location = checkpointDirectory(conf);
        // No job config here: the default checkpoint_timeout bounds the listing.
        List<CheckpointInfo> checkpoints = BoundedStoreCall.run("listing checkpoints in", location,
                TrainingKeys.CHECKPOINT_TIMEOUT.defaultValue(), () -> new CheckpointStore(location, conf, 1).list());
        out.println("checkpoints in " + location);
        if (checkpoints.isEmpty()) {
            out.println("(none)");
            return ExitCodes.OK;
        }
        out.printf(Locale.ROOT, "%-18s %10s %6s  %-19s %10s  %s%n", "checkpoint", "step", "epoch", "written (UTC)",
                "size", "status");
        for (CheckpointInfo c : checkpoints) {
            out.printf(Locale.ROOT, "%-18s %10d %6s  %-19s %10s  %s%n", c.name(), c.step(),
                    c.epoch() > 0 ? String.valueOf(c.epoch()) : "?",
                    c.writtenAtMillis() > 0 ? TIME.format(Instant.ofEpochMilli(c.writtenAtMillis())) : "?",
                    String.format(Locale.ROOT, "%.1f KiB", c.bytes() / 1024.0),
                    c.valid() ? "valid" : "INVALID: " + c.problem());
        }
        return ExitCodes.OK;
    }

    /** The run's checkpoint_dir from its job.conf, else the run directory's checkpoints folder. */
    private String checkpointDirectory(Configuration conf) throws IOException {
        Path path;
        FileSystem fs;
        try {
            path = new Path(runDir);
            fs = path.getFileSystem(conf);
        } catch (IllegalArgumentException | IOException e) {
            throw new ConfigError("RUN_DIR '" + runDir + "' cannot be opened: " + e.getMessage());
        }
        if (!fs.exists(path)) {
            throw new ConfigError("run directory '" + runDir + "' does not exist");
        }
        if (!fs.getFileStatus(path).isDirectory()) {
            throw new ConfigError("run directory '" + runDir + "' is a file, not a directory");
        }
        Path jobConf = new Path(path, RunDirectory.JOB_CONF);
        if (fs.exists(jobConf)) {
            try (InputStream in = fs.open(jobConf)) {
                Config config = ConfigFactory.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                if (config.hasPath(TrainingKeys.CHECKPOINT_DIR.name())
                        && !config.getString(TrainingKeys.CHECKPOINT_DIR.name()).isBlank()) {
                    return config.getString(TrainingKeys.CHECKPOINT_DIR.name());
                }
            } catch (ConfigException e) {
                throw new ConfigError(jobConf + " cannot be read: " + e.getMessage());
            }
        }
        return fs.makeQualified(new Path(path, "checkpoints")).toString();
    }
}
