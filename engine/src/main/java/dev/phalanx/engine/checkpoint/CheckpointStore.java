package dev.phalanx.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.optim.OptimizerState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A folder of checkpoints on any Hadoop file system.
 *
 * <p>Layout: one folder per checkpoint, {@code ckpt-<step>}, holding {@code params.bin}, {@code
 * optimizer.bin}, {@code state.json} and the completion marker {@code _COMMITTED} (sizes and
 * CRC32C of the others). Commit protocol: write everything into a {@code _tmp-…} folder, close each
 * file, write the marker last, then rename the folder into place — so a reader never sees a
 * half-written checkpoint. Names starting with {@code _} are never listed as checkpoints. Older
 * checkpoints are deleted only after a newer one has committed, keeping the newest {@code keep}.
 */
public final class CheckpointStore {

    private static final Logger LOG = Logger.getLogger(CheckpointStore.class.getName());
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{12})");
    private static final String PARAMS = "params.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final String STATE = "state.json";
    private static final String MARKER = "_COMMITTED";
    private static final int FORMAT = 1;

    private final Path dir;
    private final FileSystem fs;
    private final int keep;
    private final ObjectMapper json = new ObjectMapper();

    /**
     * Opens the store at {@code uri} (created on first commit).
     *
     * @param keep how many committed checkpoints to keep, at least 1
     * @throws CheckpointException if the file system cannot be reached
     */
    public CheckpointStore(String uri, Configuration conf, int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep_checkpoints must be at least 1, got " + keep);
        }
        this.dir = new Path(uri);
        this.keep = keep;
        try {
            FileSystem fileSystem = dir.getFileSystem(conf);
            // Phalanx checksums every file itself; the local file system's .crc side files add nothing.
            this.fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
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

    /** Returns the store's location. */
    public String location() {
        return fs.makeQualified(dir).toString();
    }

    /**
     * Writes {@code state} as a new checkpoint and applies retention.
     *
     * @throws CheckpointException naming the store if anything fails; nothing half-written stays visible
     */
    public CheckpointInfo commit(TrainingState state) {
        String name = String.format("ckpt-%012d", state.globalStep());
        Path temp = new Path(dir, "_tmp-" + name + "-" + UUID.randomUUID());
        try {
            fs.mkdirs(temp);
            Map<String, Manifest.FileDigest> files = new LinkedHashMap<>();
            files.put(PARAMS, writeFile(new Path(temp, PARAMS), out -> FloatArrays.write(out, state.parameters())));
            files.put(OPTIMIZER, writeFile(new Path(temp, OPTIMIZER), out -> writeOptimizer(out, state.optimizer())));
            StateDocument document = new StateDocument(state.identity(), state.globalStep(), state.stepsPerEpoch(),
                    state.epoch(), state.parameters().length, state.optimizer().steps(), state.history());
            files.put(STATE, writeFile(new Path(temp, STATE), out -> out.write(json.writeValueAsBytes(document))));
            Manifest manifest = new Manifest(FORMAT, state.globalStep(), System.currentTimeMillis(), files);
            writeFile(new Path(temp, MARKER), out -> out.write(json.writeValueAsBytes(manifest)));
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
            return inspect(target);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(temp);
            throw new CheckpointException("cannot write checkpoint " + name + " to " + location() + ": " + e, e);
        }
    }

    /** Lists every checkpoint, newest first, each verified. */
    public List<CheckpointInfo> list() {
        List<CheckpointInfo> result = new ArrayList<>();
        for (Path path : checkpointFolders()) {
            result.add(inspect(path));
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
                if (status.isDirectory() && NAME.matcher(status.getPath().getName()).matches()) {
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
            return readState(new Path(info.uri())).identity();
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + info.uri() + "/" + STATE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Verifies and loads a checkpoint.
     *
     * @throws CheckpointException naming the checkpoint when it fails verification or cannot be read
     */
    public TrainingState load(String uri) {
        Path path = new Path(uri);
        CheckpointInfo info = inspect(path);
        if (!info.valid()) {
            throw new CheckpointException("checkpoint " + uri + " is invalid: " + info.problem());
        }
        try {
            StateDocument document = readState(path);
            float[] parameters;
            try (DataInputStream in = new DataInputStream(fs.open(new Path(path, PARAMS)))) {
                parameters = FloatArrays.read(in);
            }
            OptimizerState optimizer;
            try (DataInputStream in = new DataInputStream(fs.open(new Path(path, OPTIMIZER)))) {
                optimizer = readOptimizer(in);
            }
            return new TrainingState(document.identity(), document.globalStep(), document.stepsPerEpoch(),
                    parameters, optimizer, document.history());
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + uri + ": " + e.getMessage(), e);
        }
    }

    private CheckpointInfo inspect(Path path) {
        String name = path.getName();
        Matcher matcher = NAME.matcher(name);
        long step = matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
        String uri = fs.makeQualified(path).toString();
        try {
            Path marker = new Path(path, MARKER);
            if (!fs.exists(marker)) {
                return new CheckpointInfo(name, uri, step, 0, 0, 0, "no completion marker " + MARKER);
            }
            Manifest manifest;
            try (InputStream in = fs.open(marker)) {
                manifest = json.readValue(in.readAllBytes(), Manifest.class);
            } catch (IOException e) {
                return new CheckpointInfo(name, uri, step, 0, 0, 0, "unreadable " + MARKER + ": " + e.getMessage());
            }
            long bytes = 0;
            for (Map.Entry<String, Manifest.FileDigest> file : manifest.files().entrySet()) {
                String problem = verify(new Path(path, file.getKey()), file.getValue());
                if (problem != null) {
                    return new CheckpointInfo(name, uri, step, 0, manifest.writtenAtMillis(), bytes, problem);
                }
                bytes += file.getValue().bytes();
            }
            long epoch = readState(path).epoch();
            return new CheckpointInfo(name, uri, step, epoch, manifest.writtenAtMillis(), bytes, null);
        } catch (IOException e) {
            return new CheckpointInfo(name, uri, step, 0, 0, 0, "unreadable: " + e.getMessage());
        }
    }

    private String verify(Path file, Manifest.FileDigest expected) throws IOException {
        if (!fs.exists(file)) {
            return file.getName() + " is missing";
        }
        byte[] content;
        try (InputStream in = fs.open(file)) {
            content = in.readAllBytes();
        }
        if (content.length != expected.bytes()) {
            return file.getName() + " has " + content.length + " bytes, expected " + expected.bytes() + " (truncated?)";
        }
        CRC32C crc = new CRC32C();
        crc.update(content);
        if (crc.getValue() != expected.crc32c()) {
            return file.getName() + " fails its checksum (corrupted)";
        }
        return null;
    }

    private StateDocument readState(Path path) throws IOException {
        try (InputStream in = fs.open(new Path(path, STATE))) {
            return json.readValue(in.readAllBytes(), StateDocument.class);
        }
    }

    private interface Content {
        void writeTo(DataOutputStream out) throws IOException;
    }

    private Manifest.FileDigest writeFile(Path path, Content content) throws IOException {
        CRC32C crc = new CRC32C();
        long bytes;
        try (FSDataOutputStream raw = fs.create(path, false);
                DataOutputStream out = new DataOutputStream(new CheckedOutputStream(raw, crc))) {
            content.writeTo(out);
            out.flush();
            bytes = out.size();
        }
        return new Manifest.FileDigest(bytes, crc.getValue());
    }

    private static void writeOptimizer(DataOutputStream out, OptimizerState state) throws IOException {
        out.writeUTF(state.name());
        out.writeLong(state.steps());
        out.writeInt(state.buffers().size());
        for (float[] buffer : state.buffers()) {
            FloatArrays.write(out, buffer);
        }
    }

    private static OptimizerState readOptimizer(DataInputStream in) throws IOException {
        String name = in.readUTF();
        long steps = in.readLong();
        int count = in.readInt();
        List<float[]> buffers = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            buffers.add(FloatArrays.read(in));
        }
        return new OptimizerState(name, steps, buffers);
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

    private void deleteQuietly(Path path) {
        try {
            fs.delete(path, true);
        } catch (IOException e) {
            LOG.warning("could not delete the incomplete checkpoint " + path + ": " + e.getMessage());
        }
    }
}
