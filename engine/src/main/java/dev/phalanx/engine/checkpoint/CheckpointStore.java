package dev.phalanx.engine.checkpoint;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder of checkpoints on any Hadoop file system, and the protocol that makes each visible only
 * when complete.
 *
 * <p>Layout: one folder per checkpoint, {@code ckpt-<step>}, holding the files of {@link
 * CheckpointFormat} with the completion marker {@code _COMMITTED} (sizes and CRC32C of the
 * others). Commit protocol: write everything into a {@code _tmp-…} folder, close each
 * file, write the marker last, then rename the folder into place — so a reader never sees a
 * half-written checkpoint. Names starting with {@code _} are never listed as checkpoints. Older
 * checkpoints are deleted only after a newer one has committed, keeping the newest {@code keep};
 * so are the leftovers of earlier attempts ({@code _tmp-…} folders of writes that never finished,
 * {@code _invalid-…} folders of checkpoints moved aside) once their step is older than the
 * checkpoint just committed.
 *
 * <p>One job at a time: the driver takes the folder's {@link DirectoryLease} ({@link #lease}) before
 * training, and a store opened with the lease's token commits only while the lease is still that
 * job's.
 */
public final class CheckpointStore {

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());
    /** A folder a commit leaves behind: group 1 is the checkpoint's name, and so its step. */
    /** How often rank 0 looks for the other ranks' slices of a sharded checkpoint. */
    private static final long SHARD_POLL_MILLIS = 50;
    private static final Pattern LEFTOVER = Pattern.compile("_(?:tmp|invalid)-(ckpt-\\d{12})-.*");

    private final Path dir;
    private final FileSystem fs;
    private final int keep;
    private final String leaseToken;
    private final CheckpointFormat format;

    /**
     * Opens the store at {@code uri} (created on first commit).
     *
     * @param keep how many committed checkpoints to keep, at least 1
     * @throws CheckpointException if the file system cannot be reached
     */
    public CheckpointStore(String uri, Configuration conf, int keep) {
        this(uri, conf, keep, null);
    }

    /**
     * Opens the store at {@code uri} for the job holding the lease with {@code leaseToken}: each
     * commit first checks that the lease is still that job's ({@link DirectoryLease#requireHeld}).
     *
     * @param leaseToken the token of the job's {@link DirectoryLease} on {@code uri}, or null to commit unchecked
     * @throws CheckpointException if the file system cannot be reached
     */
    public CheckpointStore(String uri, Configuration conf, int keep, String leaseToken) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep_checkpoints must be at least 1, got " + keep);
        }
        this.dir = new Path(uri);
        this.keep = keep;
        this.leaseToken = leaseToken;
        try {
            FileSystem fileSystem = dir.getFileSystem(conf);
            // Phalanx checksums every file itself; the local file system's .crc side files add nothing.
            this.fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
            this.format = new CheckpointFormat(fs);
        } catch (IOException e) {
            throw new CheckpointException("cannot open checkpoint directory " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the folder if needed and writes and deletes a probe file there, so that a store that
     * cannot take checkpoints fails before training rather than at its first commit.
     *
     * @throws CheckpointException naming the location and the reason
     */
    public void checkWritable() {
        Path probe = new Path(dir, "_probe-" + UUID.randomUUID());
        try {
            if (!fs.mkdirs(dir)) {
                throw new IOException("cannot create the folder");
            }
            fs.create(probe, false).close();
            fs.delete(probe, false);
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoints to " + location() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Takes the lease on the store's folder for {@code application} in this process; see {@link
     * DirectoryLease#acquire}.
     *
     * @throws CheckpointException naming the job that holds it
     */
    public DirectoryLease lease(String application, Duration timeout, Consumer<String> notices) {
        return DirectoryLease.acquire(fs, dir, "checkpoint_dir", application, timeout, notices);
    }

    /** Returns the store's location. */
    public String location() {
        return fs.makeQualified(dir).toString();
    }

    /**
     * Writes {@code state} as a new checkpoint and applies retention.
     *
     * @throws CheckpointException naming the store if anything fails, or naming who holds the lease
     *     when this job no longer does; nothing half-written stays visible
     */
    public CheckpointInfo commit(TrainingState state) {
        if (leaseToken != null) {
            DirectoryLease.requireHeld(fs, dir, leaseToken, "checkpoint_dir '" + location() + "'");
        }
        String name = CheckpointFormat.name(state.globalStep());
        Path temp = new Path(dir, "_tmp-" + name + "-" + UUID.randomUUID());
        long start = System.nanoTime();
        try {
            fs.mkdirs(temp);
            Manifest manifest = format.write(temp, state);
            CheckpointInfo committed = moveIntoPlace(temp, name, manifest, state.epoch());
            LOG.info(String.format(Locale.ROOT, "checkpoint %s committed to %s: %d MiB in %.2f s", name, location(),
                    committed.bytes() >> 20, (System.nanoTime() - start) / 1e9));
            return committed;
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new CheckpointException("cannot write checkpoint " + name + " to " + location() + ": " + e, e);
        }
    }

    /**
     * Writes one rank's slice of a sharded checkpoint ({@link ShardedState}) into the folder every
     * rank of this attempt writes that step's slices into. Rank 0 then waits for every other rank's
     * slice (its caller bounds the wait by interrupting it), writes what is not sliced and the
     * completion marker, and moves the folder into place and applies retention as {@link #commit}
     * does; the other ranks return as soon as their slice is written.
     *
     * @return on rank 0 the committed checkpoint; on the others the folder their slice went into,
     *     not yet a checkpoint
     * @throws CheckpointException naming the store if anything fails; nothing half-written becomes
     *     visible, and the folder of slices is left for the next commit's clean-up
     */
    public CheckpointInfo commitShard(ShardedState shard) {
        String name = CheckpointFormat.name(shard.globalStep());
        Path temp = new Path(dir, "_tmp-" + name + "-" + shard.commitTag());
        long start = System.nanoTime();
        try {
            fs.mkdirs(temp);
            format.writeShard(temp, shard);
            String slice = String.format(Locale.ROOT, "rank %d wrote its slice of %s (%d of %d parameters) in %.2f s",
                    shard.rank(), name, shard.length(), shard.parameterCount(), (System.nanoTime() - start) / 1e9);
            if (shard.rank() != 0) {
                LOG.info(slice);
                return new CheckpointInfo(name, fs.makeQualified(temp).toString(), shard.globalStep(),
                        shard.part().epoch(), System.currentTimeMillis(), 0, null);
            }
            List<CheckpointFormat.ShardMarker> markers = format.awaitShards(temp, shard.ranks(), SHARD_POLL_MILLIS);
            Manifest manifest = format.writeShardedCommit(temp, shard, markers);
            if (leaseToken != null) {
                DirectoryLease.requireHeld(fs, dir, leaseToken, "checkpoint_dir '" + location() + "'");
            }
            CheckpointInfo committed = moveIntoPlace(temp, name, manifest, shard.part().epoch());
            LOG.info(String.format(Locale.ROOT, "%s; checkpoint %s committed to %s with all %d slices: %d MiB in %.2f s",
                    slice, name, location(), shard.ranks(), committed.bytes() >> 20, (System.nanoTime() - start) / 1e9));
            return committed;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException("interrupted while rank 0 waited for every rank's slice of checkpoint " + name
                    + " in " + location(), e);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("cannot write rank " + shard.rank() + "'s slice of checkpoint " + name + " to "
                    + location() + ": " + e, e);
        }
    }

    /** Lists every checkpoint, newest first, each verified. */
    public List<CheckpointInfo> list() {
        List<CheckpointInfo> result = new ArrayList<>();
        for (Path path : checkpointFolders()) {
            result.add(format.inspect(path));
        }
        return result;
    }

    /** Returns the folders named like checkpoints, newest step first, without reading them. */
    private List<Path> checkpointFolders() {
        List<Path> folders = new ArrayList<>();
        try {
            if (!fs.exists(dir)) {
                return folders;
            }
            for (FileStatus status : fs.listStatus(dir)) {
                if (status.isDirectory() && CheckpointFormat.isName(status.getPath().getName())) {
                    folders.add(status.getPath());
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("cannot list checkpoints in " + location() + ": " + e.getMessage(), e);
        }
        // Zero-padded steps: name order is step order.
        folders.sort(Comparator.comparing(Path::getName).reversed());
        return folders;
    }

    /**
     * Returns the newest checkpoint that passes verification, logging each newer one it skips.
     *
     * @return empty when the store holds no checkpoint at all
     * @throws CheckpointException when checkpoints exist but none is valid (nothing is deleted)
     */
    public Optional<CheckpointInfo> newestValid() {
        List<CheckpointInfo> all = list();
        for (CheckpointInfo info : all) {
            if (info.valid()) {
                return Optional.of(info);
            }
            LOG.warning("checkpoint " + info.uri() + " is invalid (" + info.problem() + "); trying an older one");
        }
        if (all.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder reasons = new StringBuilder();
        for (CheckpointInfo info : all) {
            reasons.append("; ").append(info.name()).append(": ").append(info.problem());
        }
        throw new CheckpointException("none of the " + all.size() + " checkpoints in " + location()
                + " is valid" + reasons + " (nothing was deleted)");
    }

    /** Reads the identity recorded in a checkpoint without loading its arrays. */
    public JobIdentity identity(CheckpointInfo info) {
        try {
            return format.readState(new Path(info.uri())).identity();
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + CheckpointFormat.stateFile(info.uri()) + ": " + e.getMessage(),
                    e);
        }
    }

    /**
     * Verifies and loads a checkpoint.
     *
     * @throws CheckpointException naming the checkpoint when it fails verification or cannot be read
     */
    public TrainingState load(String uri) {
        return load(uri, 0, -1);
    }

    /**
     * Verifies and loads a checkpoint with the optimizer state of {@code length} parameters from
     * {@code offset} only: what one rank of a sharded optimizer keeps. Works on checkpoints written
     * by any number of ranks, sharded or not.
     *
     * @param length the slice's length; -1 for every parameter from {@code offset}
     * @throws CheckpointException naming the checkpoint when it fails verification or cannot be read
     */
    public TrainingState load(String uri, int offset, int length) {
        return load(uri, offset, length, null);
    }

    /**
     * As {@link #load(String, int, int)}, with the parameters read straight into {@code
     * parametersInto} (all of them, from index 0; it must hold exactly as many) when it is not null:
     * the returned state's {@code parameters} is then null. So a worker of a large model restores
     * into its own buffer without a copy on the heap.
     */
    public TrainingState load(String uri, int offset, int length, FloatBuffer parametersInto) {
        Path path = new Path(uri);
        CheckpointInfo info = format.inspect(path);
        if (!info.valid()) {
            throw new CheckpointException("checkpoint " + uri + " is invalid: " + info.problem());
        }
        try {
            int slice = length >= 0 ? length
                    : Math.toIntExact(format.readState(path).parameterCount() - offset);
            return format.read(path, offset, slice, parametersInto);
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + uri + ": " + e.getMessage(), e);
        }
    }

    /**
     * Renames the completed folder {@code temp} to {@code name}, then applies retention and clean-up;
     * returns the checkpoint as its marker {@code manifest} describes it (not read back).
     */
    private CheckpointInfo moveIntoPlace(Path temp, String name, Manifest manifest, long epoch) throws IOException {
        Path target = new Path(dir, name);
        if (fs.exists(target)) {
            // Only an invalid checkpoint can be in the way (a valid one at this step would have
            // been resumed from); keep it aside for inspection rather than delete it.
            Path aside = new Path(dir, "_invalid-" + name + "-" + System.currentTimeMillis());
            LOG.warning("moving the earlier checkpoint " + target + " aside to " + aside);
            rename(target, aside);
        }
        rename(temp, target);
        applyRetention(name);
        removeLeftovers(name);
        return format.written(target, manifest, epoch);
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }

    /**
     * Keeps the newest {@code keep} checkpoints up to the one just committed and deletes older ones.
     * Why not simply the newest {@code keep} of all: folders past the one just committed can only be
     * left by an earlier attempt that the run resumed behind, because they were invalid; counting
     * them could delete the valid checkpoints the run depends on and keep only broken ones. They
     * stay untouched until the run reaches their step and {@link #commit} moves them aside.
     */
    private void applyRetention(String committed) {
        List<Path> upToCommitted = checkpointFolders().stream()
                .filter(folder -> folder.getName().compareTo(committed) <= 0)
                .toList();
        for (Path old : upToCommitted.subList(Math.min(keep, upToCommitted.size()), upToCommitted.size())) {
            try {
                fs.delete(old, true);
            } catch (IOException e) {
                LOG.warning("could not delete old checkpoint " + old + ": " + e.getMessage());
            }
        }
    }

    /**
     * Deletes the {@code _tmp-…} and {@code _invalid-…} folders of steps before the checkpoint just
     * committed: a write that never finished, or a checkpoint moved aside, that the run has since
     * passed. Those of the committed step or later stay (a write of that step may still be under
     * way somewhere, and an invalid checkpoint moved aside by this very commit is kept for
     * inspection until the next one). The commit has succeeded by now, so a failure here is logged.
     */
    private void removeLeftovers(String committed) {
        try {
            for (FileStatus status : fs.listStatus(dir)) {
                Matcher leftover = LEFTOVER.matcher(status.getPath().getName());
                if (leftover.matches() && leftover.group(1).compareTo(committed) < 0) {
                    LOG.info("deleting " + status.getPath() + ", left by an earlier attempt before " + committed);
                    fs.delete(status.getPath(), true);
                }
            }
        } catch (IOException e) {
            LOG.warning("could not clean up earlier attempts' folders in " + location() + ": " + e.getMessage());
        }
    }

    private void deleteQuietly(Path path) {
        try {
            fs.delete(path, true);
        } catch (IOException e) {
            LOG.warning("could not delete the incomplete checkpoint " + path + ": " + e.getMessage());
        }
    }
}
