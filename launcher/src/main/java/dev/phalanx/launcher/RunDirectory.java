package dev.phalanx.launcher;

import dev.phalanx.engine.checkpoint.CheckpointException;
import dev.phalanx.engine.checkpoint.DirectoryLease;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The folder a run writes to, on any Hadoop file system. A new run gets a new or empty folder; a
 * folder holding an unfinished Phalanx run ({@code job.conf} but no {@code _SUCCESS}) is resumed; a
 * finished run is left alone (or, when forced, moved aside whole before a fresh start); a folder of
 * other files is refused. So rerunning a pipeline task is always safe and nothing is ever lost.
 *
 * <p>One run at a time: the folder is opened under a {@link DirectoryLease}, taken before anything
 * in it is read, moved or written and held until {@link #close}, so a second run on the same
 * folder (a scheduler's retry while the first still runs) is refused naming the first, and {@code
 * --force} never moves aside a folder a live run is using.
 */
public final class RunDirectory implements AutoCloseable {

    /** The resolved job config, written when the run starts. */
    public static final String JOB_CONF = "job.conf";
    /** The results. */
    public static final String SUMMARY = "summary.json";
    /** The marker of a finished run, written last. */
    public static final String SUCCESS = "_SUCCESS";

    /** What the folder held when it was opened. */
    public enum State {
        /** Nothing: a fresh run. */
        NEW,
        /** An unfinished run, to be continued. */
        RESUMING,
        /** A finished run; nothing to do unless forced. */
        FINISHED
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path path;
    private final FileSystem fs;
    private final State state;
    private final String movedAside;
    private final DirectoryLease lease;

    private RunDirectory(Path path, FileSystem fs, State state, String movedAside, DirectoryLease lease) {
        this.path = path;
        this.fs = fs;
        this.state = state;
        this.movedAside = movedAside;
        this.lease = lease;
    }

    /**
     * How this run holds its folders: the lease's timeout, what the lease file names as the
     * application, and where the notice of a takeover goes.
     *
     * @param timeout how long a lease stays valid without a heartbeat ({@code lease_timeout})
     * @param application what holds the lease, for example {@code phalanx train --config job.conf}
     * @param notices receives one-line notices, such as the takeover of an abandoned lease
     */
    public record Leasing(Duration timeout, String application, Consumer<String> notices) {

        DirectoryLease acquire(FileSystem fs, Path dir, String what) {
            return DirectoryLease.acquire(fs, dir, what, application, timeout, notices);
        }
    }

    /**
     * Opens the run directory: {@code configured} if given, else a new folder under {@code runs/}.
     *
     * @param force start afresh even over a finished or unfinished run, which is first moved aside
     *     to {@code <run_dir>.previous-<time>}
     * @param leasing how the folder's lease is taken; it is held until {@link #close}
     * @throws ConfigError naming {@code run_dir} when it cannot be used, or naming the live run that
     *     holds its lease
     */
    public static RunDirectory open(String configured, String model, Configuration conf, boolean force,
            Leasing leasing) {
        // A model spec may carry options, "transformer(layers=2)": its name alone names the folder;
        // a user's class, "class:com.acme.nets.MyNet", by its simple name.
        String name = model.replaceAll("\\(.*", "").trim();
        if (name.startsWith("class:")) {
            name = name.substring(name.lastIndexOf('.') + 1);
        }
        name = name.replaceAll("[^A-Za-z0-9._-]", "_");
        Path path;
        try {
            path = configured.isBlank() ? new Path("runs", name + "-" + LocalDateTime.now().format(STAMP))
                    : new Path(configured);
        } catch (IllegalArgumentException e) {
            throw new ConfigError("run_dir '" + configured + "' is not a path or URI: " + e.getMessage());
        }
        try {
            FileSystem fileSystem = path.getFileSystem(conf);
            FileSystem fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
            path = fs.makeQualified(path);
            if (fs.exists(path)) {
                if (!fs.getFileStatus(path).isDirectory()) {
                    throw new ConfigError("run_dir '" + path + "' exists and is not a directory");
                }
                // Checked before the lease, so that nothing is written into a folder of other files.
                boolean otherFiles = Arrays.stream(fs.listStatus(path))
                        .anyMatch(status -> !status.getPath().getName().startsWith(DirectoryLease.FILE));
                if (!fs.exists(new Path(path, JOB_CONF)) && otherFiles) {
                    throw new ConfigError("run_dir '" + path + "' already holds files that are not a Phalanx run;"
                            + " choose a new or empty directory (nothing was changed)");
                }
            }
            // Creates the folder if needed; writing the lease also shows that the folder is writable.
            DirectoryLease lease = lease(leasing, fs, path);
            try {
                return openLeased(path, fs, force, leasing, lease);
            } catch (IOException | RuntimeException e) {
                lease.close();
                throw e;
            }
        } catch (IOException e) {
            throw new ConfigError("run_dir '" + path + "' is not usable: " + e.getMessage());
        }
    }

    /** Reads what the folder holds, now that no other run can change it, and moves it aside if forced. */
    private static RunDirectory openLeased(Path path, FileSystem fs, boolean force, Leasing leasing,
            DirectoryLease lease) throws IOException {
        boolean phalanxRun = fs.exists(new Path(path, JOB_CONF));
        if (phalanxRun && force) {
            Path aside = new Path(path + ".previous-" + LocalDateTime.now().format(STAMP));
            moveAside(fs, path, aside, lease, "run_dir", "the earlier run");
            // A fresh folder where the earlier run was; writing its lease shows that it is writable.
            return new RunDirectory(path, fs, State.NEW, aside.toString(), lease(leasing, fs, path));
        }
        State state = !phalanxRun ? State.NEW : fs.exists(new Path(path, SUCCESS)) ? State.FINISHED : State.RESUMING;
        return new RunDirectory(path, fs, state, null, lease);
    }

    private static DirectoryLease lease(Leasing leasing, FileSystem fs, Path path) {
        try {
            return leasing.acquire(fs, path, "run_dir");
        } catch (CheckpointException e) {
            throw new ConfigError(e.getMessage());
        }
    }

    /**
     * Moves the leased folder {@code path} aside whole, lease file and all, then releases the lease
     * and deletes its file from the moved folder: the folder stays leased until it has moved.
     */
    private static void moveAside(FileSystem fs, Path path, Path aside, DirectoryLease lease, String key,
            String what) throws IOException {
        if (!fs.rename(path, aside)) {
            throw new ConfigError(key + " '" + path + "': cannot move " + what + " aside to " + aside);
        }
        lease.close();
        fs.delete(new Path(aside, DirectoryLease.FILE), false);
    }

    /**
     * For a forced run whose {@code checkpoint_dir} lies outside {@code run_dir}: moves that folder
     * aside too, to {@code <checkpoint_dir>.previous-<time>}, so the fresh run does not resume from
     * the earlier run's checkpoints.
     *
     * @return where it went, or null when there was nothing to move
     * @throws ConfigError naming {@code checkpoint_dir} when it cannot be moved
     * @throws CheckpointException naming the live job that holds its lease (nothing is moved)
     */
    public static String moveAsideCheckpoints(String checkpointDir, Configuration conf, Leasing leasing) {
        Path path = new Path(checkpointDir);
        try {
            FileSystem fileSystem = path.getFileSystem(conf);
            FileSystem fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
            if (!fs.exists(path) || fs.listStatus(path).length == 0) {
                return null;
            }
            Path aside = new Path(path + ".previous-" + LocalDateTime.now().format(STAMP));
            try (DirectoryLease lease = leasing.acquire(fs, path, "checkpoint_dir")) {
                moveAside(fs, path, aside, lease, "checkpoint_dir", "the earlier run's checkpoints");
            }
            return aside.toString();
        } catch (IOException e) {
            throw new ConfigError("checkpoint_dir '" + path + "' is not usable: " + e.getMessage());
        }
    }

    /** Releases the folder's lease. */
    @Override
    public void close() {
        lease.close();
    }

    /** Returns what the folder held when opened. */
    public State state() {
        return state;
    }

    /** Returns where a forced run moved the earlier run, or null. */
    public String movedAside() {
        return movedAside;
    }

    /** Returns the folder's full URI. */
    public String uri() {
        return path.toString();
    }

    /** Writes the run's {@link RunReport} into the folder and returns the charts written. */
    List<String> writeReport() throws IOException {
        return RunReport.write(fs, path);
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

    /** Creates (or replaces) {@code name} for writing. */
    public OutputStream create(String name) throws IOException {
        return fs.create(new Path(path, name), true);
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
