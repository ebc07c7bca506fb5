package dev.phalanx.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * One job's exclusive use of a folder on a Hadoop file system (a run directory, a checkpoint
 * directory), so that two jobs never delete or move aside each other's files: the lock file
 * {@value #FILE} in the folder names the holder, and a second job is refused naming it.
 *
 * <p>Taking: the file is created only if it does not exist, in one step that succeeds for exactly
 * one of several creators: on HDFS the NameNode's create without overwrite; on the local file
 * system the JDK's {@code CREATE_NEW} ({@code O_EXCL}), since Hadoop's local create checks and
 * then creates.
 *
 * <p>Heartbeat: a daemon thread sets the file's modification time every quarter of the lease
 * timeout. A file's time is the one thing a holder can refresh without a moment in which the file
 * is missing or half-written, and without replacing it (Hadoop's rename does not replace a file),
 * so a reader never mistakes a held lease for a free one; and should the holder refresh a lease
 * that was taken over a moment before, it only keeps the new holder's fresh.
 *
 * <p>Takeover: a lease whose file was not refreshed for its holder's timeout (recorded in the
 * file) is abandoned, by a job that crashed or whose driver was killed. It is taken over under a
 * second lock file, {@code _LEASE.takeover}, created the same exclusive way, so that of several
 * takers exactly one replaces it: the taker holding that lock checks that the file is still the
 * lease it judged abandoned, moves it to a name of its own, checks again (a heartbeat may have come
 * meanwhile; then it puts it back), deletes it and creates its own; the others find a fresh lease
 * and are refused naming the winner.
 *
 * <p>Release deletes the file if it is still this lease's, on every path: {@link #close}, or a
 * shutdown hook when the JVM exits first.
 *
 * <p>A holder whose heartbeat could not reach the file for the whole timeout (a driver cut off
 * from HDFS) may have been taken over meanwhile; {@link #requireHeld} and {@link
 * #requireHeld(FileSystem, Path, String, String)} tell it, so it stops writing there.
 */
public final class DirectoryLease implements AutoCloseable {

    /** The lock file's name in the leased folder; like every name starting with {@code _}, never a checkpoint. */
    public static final String FILE = "_LEASE";

    private static final Logger LOG = Logger.getLogger(DirectoryLease.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How often a taker tries when the lease changes hands under it; it waits a little longer before each. */
    private static final int TRIES = 6;
    private static final long RETRY_WAIT_MILLIS = 100;
    /** How long closing waits for a heartbeat in progress (a file system call) to end. */
    private static final long CLOSE_WAIT_SECONDS = 10;
    /** Runs before Hadoop closes its cached file systems at exit, so the release can still use them. */
    private static final int SHUTDOWN_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 1;

    /**
     * The lock file's content.
     *
     * @param owner who holds it: {@code user@host pid N}
     * @param application what holds it, for example the Spark application's id and name
     * @param token this lease's unique id
     * @param acquiredMillis when it was taken
     * @param timeoutMillis how long it stays valid without a heartbeat
     */
    record Holder(String owner, String application, String token, long acquiredMillis, long timeoutMillis) {

        String describe() {
            return owner + " (" + application + "), since " + time(acquiredMillis);
        }
    }

    /** {@code user@host pid N}: group 1 is {@code user@host}, group 2 the process id. */
    private static final Pattern OWNER = Pattern.compile("(.+) pid (\\d{1,18})");

    private final FileSystem fs;
    private final Path file;
    private final String name;
    private final String token;
    private final ScheduledExecutorService heartbeat;
    private final Runnable releaseAtExit = this::release;
    private final AtomicBoolean released = new AtomicBoolean();

    private DirectoryLease(FileSystem fs, Path file, String name, String token, Duration timeout) {
        this.fs = fs;
        this.file = file;
        this.name = name;
        this.token = token;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, threadName(token));
            thread.setDaemon(true);
            return thread;
        });
        long period = Math.max(1, timeout.toMillis() / 4);
        heartbeat.scheduleWithFixedDelay(this::beat, period, period, TimeUnit.MILLISECONDS);
        ShutdownHookManager.get().addShutdownHook(releaseAtExit, SHUTDOWN_PRIORITY);
    }

    /**
     * Takes the lease on {@code dir} (created if missing) for {@code application} in this process.
     *
     * @param what names the folder in messages, for example {@code checkpoint_dir}
     * @param timeout how long the lease stays valid without a heartbeat; the heartbeat comes every
     *     quarter of it
     * @param notices receives the one-line notice when an abandoned lease is taken over
     * @throws CheckpointException when a live job holds the lease (one line naming it: owner,
     *     application, since when, last heartbeat), or the folder cannot be used
     */
    public static DirectoryLease acquire(FileSystem fs, Path dir, String what, String application, Duration timeout,
            Consumer<String> notices) {
        Path file = new Path(dir, FILE);
        String name = what + " '" + fs.makeQualified(dir) + "'";
        // The checksummed local file system adds a .crc file beside each file; the lease needs none.
        fs = fs instanceof LocalFileSystem local ? local.getRaw() : fs;
        String token = UUID.randomUUID().toString();
        Holder self = new Holder(owner(), application, token, System.currentTimeMillis(), timeout.toMillis());
        try {
            byte[] content = JSON.writeValueAsBytes(self);
            fs.mkdirs(dir);
            for (int attempt = 1; attempt <= TRIES; attempt++) {
                if (attempt > 1) {
                    Thread.sleep(RETRY_WAIT_MILLIS * (attempt - 1));
                }
                if (createExclusive(fs, file, content)) {
                    return new DirectoryLease(fs, file, name, token, timeout);
                }
                FileStatus status;
                Holder holder;
                try {
                    status = fs.getFileStatus(file);
                    holder = readOrNull(fs, file);
                } catch (FileNotFoundException released) {
                    continue;
                }
                long age = System.currentTimeMillis() - status.getModificationTime();
                long holderTimeout = holder == null ? timeout.toMillis() : holder.timeoutMillis();
                // A holder on this host whose process is gone (killed with -9, say) is not waited out.
                boolean gone = holder != null && goneFromThisHost(holder.owner());
                if (age <= holderTimeout && !gone) {
                    throw new CheckpointException(name + " is in use by another job: "
                            + (holder == null ? "one whose lease file is still being written" : holder.describe())
                            + ", last heartbeat " + seconds(age) + " ago (lease " + fs.makeQualified(file)
                            + "; taken over only after " + readable(holderTimeout) + " without a heartbeat)");
                }
                if (takeOver(fs, file, status, holder, token, content, holderTimeout)) {
                    notices.accept("took over the lease on " + name + " from "
                            + (holder == null ? "a job whose lease file cannot be read" : holder.describe())
                            + (age <= holderTimeout ? ": that process no longer runs on this host"
                                    : ": its last heartbeat was " + seconds(age) + " ago, more than its timeout of "
                                            + readable(holderTimeout)));
                    return new DirectoryLease(fs, file, name, token, timeout);
                }
            }
        } catch (IOException e) {
            throw new CheckpointException(name + " is not usable: cannot take its lease: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while taking the lease on " + name, e);
        }
        throw new CheckpointException("cannot take the lease on " + name + ": it changed hands " + TRIES
                + " times while this job tried");
    }

    /** Returns this lease's unique id, which {@link #requireHeld(FileSystem, Path, String, String)} checks. */
    public String token() {
        return token;
    }

    /**
     * Checks that this lease is still this job's.
     *
     * @throws CheckpointException naming who took it over
     */
    public void requireHeld() {
        requireHeld(fs, file.getParent(), token, name);
    }

    /**
     * Checks that the lease on {@code dir} is still the one with {@code token}, for a writer that
     * holds only the token (a worker writing checkpoints for the driver's lease).
     *
     * @param name names the folder in the message
     * @throws CheckpointException naming who holds the lease now, or why it cannot be read
     */
    public static void requireHeld(FileSystem fs, Path dir, String token, String name) {
        Path file = new Path(dir, FILE);
        Holder now;
        try {
            now = readOrNull(fs, file);
        } catch (FileNotFoundException e) {
            now = null;
        } catch (IOException e) {
            throw new CheckpointException("cannot read the lease " + file + ": " + e.getMessage(), e);
        }
        if (now == null || !token.equals(now.token())) {
            throw new CheckpointException(name + " is no longer this job's: "
                    + (now == null ? "its lease file is gone or unreadable" : "its lease was taken over by "
                            + now.describe() + " (this job's heartbeat had not reached it within the lease timeout)")
                    + "; stopping so that the two jobs do not overwrite each other's files");
        }
    }

    /** Stops the heartbeat and deletes the lock file if it is still this lease's; idempotent, never throws. */
    @Override
    public void close() {
        ShutdownHookManager hooks = ShutdownHookManager.get();
        if (!hooks.isShutdownInProgress()) {
            hooks.removeShutdownHook(releaseAtExit);
        }
        release();
    }

    /** Runs once, from {@link #close} or at exit, whichever comes first. */
    private void release() {
        if (!released.compareAndSet(false, true)) {
            return;
        }
        // No further beats; one under way (a file system call) may finish, so it is not cut off midway.
        heartbeat.shutdown();
        try {
            if (!heartbeat.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warning("the heartbeat of the lease on " + name + " did not stop within " + CLOSE_WAIT_SECONDS
                        + " s; releasing the lease anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            heartbeat.shutdownNow();
        }
        try {
            Holder now = readOrNull(fs, file);
            if (now != null && token.equals(now.token())) {
                fs.delete(file, false);
            } else {
                LOG.warning("not releasing the lease on " + name + ": it is no longer this job's"
                        + (now == null ? "" : " but " + now.describe() + "'s"));
            }
        } catch (FileNotFoundException e) {
            LOG.warning("the lease file of " + name + " was gone when this job released it");
        } catch (IOException | RuntimeException e) {
            LOG.warning("could not release the lease on " + name + " (" + e.getMessage()
                    + "); another job can take it over once it times out");
        }
    }

    /** Refreshes the file's time if it is still this lease's; stops the heartbeat once it is not. */
    private void beat() {
        try {
            Holder now = readOrNull(fs, file);
            if (now != null && token.equals(now.token())) {
                fs.setTimes(file, System.currentTimeMillis(), -1);
                return;
            }
            LOG.warning("lost the lease on " + name + ": " + (now == null ? "its file is unreadable"
                    : "it was taken over by " + now.describe()));
        } catch (FileNotFoundException e) {
            LOG.warning("lost the lease on " + name + ": its file is gone");
        } catch (IOException | RuntimeException e) {
            LOG.warning("could not refresh the lease on " + name + ": " + e.getMessage() + "; trying again");
            return;
        }
        heartbeat.shutdown();
    }

    /** Creates {@code file} holding {@code content} unless it exists; returns whether this call created it. */
    private static boolean createExclusive(FileSystem fs, Path file, byte[] content) throws IOException {
        try (OutputStream out = fs instanceof RawLocalFileSystem local
                ? Files.newOutputStream(local.pathToFile(file).toPath(), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)
                : fs.create(file, false)) {
            out.write(content);
            return true;
        } catch (FileAlreadyExistsException | java.nio.file.FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            // Some file systems say "exists" in another exception (HDFS: a file still being written).
            if (fs.exists(file)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Replaces the abandoned lease with this taker's ({@code content}) if it gets the takeover lock;
     * returns whether it did. The lock of a taker that crashed midway is cleared once it is older
     * than the lease's timeout.
     */
    private static boolean takeOver(FileSystem fs, Path file, FileStatus abandoned, Holder holder, String token,
            byte[] content, long timeoutMillis) throws IOException {
        Path lock = new Path(file.getParent(), FILE + ".takeover");
        if (!createExclusive(fs, lock, token.getBytes(StandardCharsets.UTF_8))) {
            try {
                if (System.currentTimeMillis() - fs.getFileStatus(lock).getModificationTime() > timeoutMillis) {
                    fs.delete(lock, false);
                }
            } catch (FileNotFoundException finished) {
                // The other taker is done; the next try sees its lease.
            }
            return false;
        }
        try {
            // What this taker saw may be out of date by now: another taker may have replaced the
            // abandoned lease and released this lock since. Only the lock holder moves the file, so
            // what is there now stays until it moves it, unless its holder comes back to life.
            if (!isAbandoned(fs, file, abandoned, holder)) {
                return false;
            }
            Path moved = new Path(file.getParent(), FILE + ".taken-" + token);
            if (!move(fs, file, moved)) {
                return false;
            }
            if (isAbandoned(fs, moved, abandoned, holder)) {
                fs.delete(moved, false);
                // A job that found no lease at all may create one first; then this taker is refused.
                return createExclusive(fs, file, content);
            }
            // Its holder came back to life (a heartbeat) just now.
            if (!putBack(fs, moved, file)) {
                LOG.warning("could not put back the lease " + moved + " moved while taking over " + file
                        + ": another job took the folder meanwhile");
            }
            return false;
        } finally {
            fs.delete(lock, false);
        }
    }

    /** Returns whether {@code file} is still the abandoned lease: the same token and no heartbeat since. */
    private static boolean isAbandoned(FileSystem fs, Path file, FileStatus abandoned, Holder holder)
            throws IOException {
        try {
            Holder now = readOrNull(fs, file);
            return fs.getFileStatus(file).getModificationTime() == abandoned.getModificationTime()
                    && Objects.equals(now == null ? null : now.token(), holder == null ? null : holder.token());
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    /** Renames {@code from} to the unused name {@code to} in one step; false when {@code from} is gone. */
    private static boolean move(FileSystem fs, Path from, Path to) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            // Hadoop's local rename copies when the rename fails, which is not one step.
            try {
                Files.move(local.pathToFile(from).toPath(), local.pathToFile(to).toPath(),
                        StandardCopyOption.ATOMIC_MOVE);
                return true;
            } catch (NoSuchFileException e) {
                return false;
            }
        }
        try {
            return fs.rename(from, to);
        } catch (FileNotFoundException e) {
            return false;
        }
    }

    /** Renames {@code from} to {@code to} unless {@code to} exists, in one step; returns whether it did. */
    private static boolean putBack(FileSystem fs, Path from, Path to) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            // A POSIX rename replaces its target; a hard link never does.
            try {
                Files.createLink(local.pathToFile(to).toPath(), local.pathToFile(from).toPath());
            } catch (java.nio.file.FileAlreadyExistsException e) {
                return false;
            }
            Files.delete(local.pathToFile(from).toPath());
            return true;
        }
        return fs.rename(from, to);
    }

    /** Reads the lock file; null when its content cannot be parsed (still being written, or not a lease). */
    private static Holder readOrNull(FileSystem fs, Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        try {
            return JSON.readValue(bytes, Holder.class);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Whether {@code owner} ({@code user@host pid N}) names a process of this host, by this user,
     * that no longer runs: a driver killed outright, whose lease would otherwise block a rerun on
     * the same machine until {@code lease_timeout}. Holders elsewhere are judged by their heartbeat.
     */
    static boolean goneFromThisHost(String owner) {
        Matcher matcher = OWNER.matcher(owner);
        if (!matcher.matches()) {
            return false;
        }
        String self = owner();
        String selfHost = self.substring(0, self.lastIndexOf(" pid "));
        long pid = Long.parseLong(matcher.group(2));
        return matcher.group(1).equals(selfHost) && pid != ProcessHandle.current().pid()
                && ProcessHandle.of(pid).map(handle -> !handle.isAlive()).orElse(true);
    }

    /** Returns {@code user@host pid N} for this process. */
    static String owner() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "unknown-host";
        }
        return System.getProperty("user.name") + "@" + host + " pid " + ProcessHandle.current().pid();
    }

    /** Names the heartbeat thread of the lease with {@code token}, so a test can see that it ended. */
    static String threadName(String token) {
        return "phalanx-lease-heartbeat-" + token;
    }

    private static String time(long millis) {
        return Instant.ofEpochMilli(millis).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String seconds(long millis) {
        return String.format(Locale.ROOT, "%.1f s", Math.max(0, millis) / 1000.0);
    }

    private static String readable(long millis) {
        return Duration.ofMillis(millis).toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
