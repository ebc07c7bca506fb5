package dev.phalanx.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The folder a run writes to, on any Hadoop file system. A new run gets a new or empty folder; a
 * folder holding an unfinished Phalanx run ({@code job.conf} but no {@code summary.json}) is
 * resumed; a finished run or a folder of other files is refused, so a mistyped {@code run_dir}
 * cannot damage anything.
 */
public final class RunDirectory {

    /** The resolved job config, written when the run starts. */
    public static final String JOB_CONF = "job.conf";
    /** The results, written last. */
    public static final String SUMMARY = "summary.json";

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path path;
    private final FileSystem fs;
    private final boolean resuming;

    private RunDirectory(Path path, FileSystem fs, boolean resuming) {
        this.path = path;
        this.fs = fs;
        this.resuming = resuming;
    }

    /**
     * Opens the run directory: {@code configured} if given, else a new folder under {@code runs/}.
     *
     * @throws ConfigError naming {@code run_dir} when it cannot be used
     */
    public static RunDirectory open(String configured, String model, Configuration conf) {
        Path path = configured.isBlank() ? new Path("runs", model + "-" + LocalDateTime.now().format(STAMP))
                : new Path(configured);
        try {
            FileSystem fileSystem = path.getFileSystem(conf);
            FileSystem fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
            path = fs.makeQualified(path);
            boolean resuming = false;
            if (fs.exists(path)) {
                if (!fs.getFileStatus(path).isDirectory()) {
                    throw new ConfigError("run_dir '" + path + "' exists and is not a directory");
                }
                if (fs.exists(new Path(path, SUMMARY))) {
                    throw new ConfigError("run_dir '" + path + "' holds a finished run (" + SUMMARY
                            + "); choose a new run_dir (nothing was changed)");
                }
                resuming = fs.exists(new Path(path, JOB_CONF));
                if (!resuming && fs.listStatus(path).length > 0) {
                    throw new ConfigError("run_dir '" + path + "' already holds files that are not a Phalanx run;"
                            + " choose a new or empty directory (nothing was changed)");
                }
            }
            fs.mkdirs(path);
            Path probe = new Path(path, "._write_probe");
            fs.create(probe, true).close();
            fs.delete(probe, false);
            return new RunDirectory(path, fs, resuming);
        } catch (IOException e) {
            throw new ConfigError("run_dir '" + path + "' is not usable: " + e.getMessage());
        }
    }

    /** Returns whether the folder holds an unfinished run that this run continues. */
    public boolean resuming() {
        return resuming;
    }

    /** Returns the folder's full URI. */
    public String uri() {
        return path.toString();
    }

    /** Returns the default checkpoint directory inside the run directory. */
    public String checkpointsUri() {
        return new Path(path, "checkpoints").toString();
    }

    /** Writes {@code name} atomically: to a temporary file, closed, then renamed into place. */
    public void write(String name, String content) throws IOException {
        Path target = new Path(path, name);
        Path temp = new Path(path, "._" + name + ".tmp");
        try (OutputStream out = fs.create(temp, true)) {
            out.write(content.getBytes(StandardCharsets.UTF_8));
        }
        if (fs.exists(target)) {
            fs.delete(target, false);
        }
        if (!fs.rename(temp, target)) {
            throw new IOException("rename " + temp + " -> " + target + " failed");
        }
    }

    /** Reads {@code name}, or returns null if it does not exist. */
    public String read(String name) throws IOException {
        Path file = new Path(path, name);
        if (!fs.exists(file)) {
            return null;
        }
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Copies every file of the local folder {@code source} into the sub-folder {@code name}. */
    public void copyIn(java.nio.file.Path source, String name) throws IOException {
        Path target = new Path(path, name);
        fs.mkdirs(target);
        for (FileStatus file : FileSystem.getLocal(new Configuration()).listStatus(new Path(source.toUri()))) {
            fs.copyFromLocalFile(false, true, file.getPath(), new Path(target, file.getPath().getName()));
        }
    }
}
