package dev.phalanx.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code phalanx report RUN_DIR}: writes the run's {@code report.html} and its charts ({@link
 * RunReport}) into the run directory, for a finished run, one still going or one that failed.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = "Write a run's report.html: loss, accuracy, throughput and step-time charts.")
final class ReportCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUN_DIR", description = "the run directory (any Hadoop file system URI)")
    String runDir;

    private final PrintStream out;

    ReportCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() {
        Path path;
        FileSystem fs;
        try {
            path = new Path(runDir);
            fs = path.getFileSystem(new Configuration());
            if (!fs.exists(path)) {
                throw new ConfigError("RUN_DIR '" + runDir + "' does not exist");
            }
        } catch (IllegalArgumentException | IOException e) {
            throw new ConfigError("RUN_DIR '" + runDir + "' cannot be opened: " + e.getMessage());
        }
        List<String> charts;
        try {
            charts = RunReport.write(fs, path);
        } catch (IOException e) {
            throw new ConfigError("RUN_DIR '" + runDir + "': " + e.getMessage());
        }
        out.println("wrote " + new Path(path, RunReport.PAGE) + " with " + charts.size() + " charts: "
                + String.join(", ", charts));
        return ExitCodes.OK;
    }
}
