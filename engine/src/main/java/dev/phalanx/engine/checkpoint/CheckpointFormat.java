package dev.phalanx.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.optim.OptimizerState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files of one checkpoint folder and how they are written, verified and read: {@code
 * params.bin}, {@code optimizer.bin} and, with early stopping, {@code best.bin} (the best
 * validation's parameters) as float arrays ({@link FloatArrays}), {@code state.json}
 * ({@link StateDocument}) and the completion marker {@code _COMMITTED} ({@link Manifest}: each other
 * file's size and CRC32C), written last. Where the folder lives and when it becomes visible is
 * {@link CheckpointStore}'s business.
 *
 * <p>Sharded (each rank wrote its own slice, {@link ShardedState}): {@code params-<rank>.bin} and
 * {@code optimizer-<rank>.bin} take the place of the two whole files, each rank vouching for its
 * own with a {@code _SHARD-<rank>} marker, and {@code state.json} lists the slices. Either layout is
 * read whole or for any slice of the optimizer state, so a checkpoint written by W ranks resumes
 * with any other number, sharded or not.
 */
final class CheckpointFormat {

    private static final String MARKER = "_COMMITTED";
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{12})");
    private static final String PARAMS = "params.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final String BEST = "best.bin";
    private static final String STATE = "state.json";
    private static final String SHARD_MARKER = "_SHARD-";
    private static final int FORMAT = 1;
    private static final int SHARDED_FORMAT = 2;
    private static final int VERIFY_CHUNK = 64 * 1024;

    private final FileSystem fs;
    private final ObjectMapper json = new ObjectMapper();

    CheckpointFormat(FileSystem fs) {
        this.fs = fs;
    }

    /** Returns the folder name of the checkpoint after {@code step}; zero-padded, so name order is step order. */
    static String name(long step) {
        return String.format("ckpt-%012d", step);
    }

    /** Returns whether {@code name} is a checkpoint folder's name. */
    static boolean isName(String name) {
        return NAME.matcher(name).matches();
    }

    /** Writes every file of {@code state} into {@code folder}, the marker last, and returns the marker. */
    Manifest write(Path folder, TrainingState state) throws IOException {
        Map<String, Manifest.FileDigest> files = new LinkedHashMap<>();
        files.put(PARAMS, writeFile(new Path(folder, PARAMS), out -> FloatArrays.write(out, state.parameters())));
        files.put(OPTIMIZER, writeFile(new Path(folder, OPTIMIZER), out -> writeOptimizer(out, state.optimizer())));
        if (state.best() != null) {
            files.put(BEST, writeFile(new Path(folder, BEST), out -> FloatArrays.write(out, state.best())));
        }
        StateDocument document = new StateDocument(state.identity(), state.globalStep(), state.stepsPerEpoch(),
                state.epoch(), state.parameters().length, state.optimizer().steps(), state.history(),
                state.validations(), null);
        files.put(STATE, writeFile(new Path(folder, STATE), out -> out.write(json.writeValueAsBytes(document))));
        Manifest manifest = new Manifest(FORMAT, state.globalStep(), System.currentTimeMillis(), files);
        writeFile(new Path(folder, MARKER), out -> out.write(json.writeValueAsBytes(manifest)));
        return manifest;
    }

    /**
     * Writes one rank's slice into {@code folder} (its parameters and optimizer state), then its
     * {@code _SHARD-<rank>} marker with their sizes and checksums.
     */
    void writeShard(Path folder, ShardedState shard) throws IOException {
        Map<String, Manifest.FileDigest> files = new LinkedHashMap<>();
        files.put(shardFile("params", shard.rank()), writeFile(new Path(folder, shardFile("params", shard.rank())),
                out -> FloatArrays.write(out, shard.part().parameters())));
        files.put(shardFile("optimizer", shard.rank()), writeFile(new Path(folder, shardFile("optimizer", shard.rank())),
                out -> writeOptimizer(out, shard.part().optimizer())));
        ShardMarker marker = new ShardMarker(shard.rank(), shard.offset(), shard.length(), files);
        // Written aside and renamed, so rank 0 never reads a marker that is still being written.
        Path written = new Path(folder, "_writing" + SHARD_MARKER + rankText(shard.rank()));
        writeFile(written, out -> out.write(json.writeValueAsBytes(marker)));
        if (!fs.rename(written, new Path(folder, SHARD_MARKER + rankText(shard.rank())))) {
            throw new IOException("rename of " + written + " failed");
        }
    }

    /**
     * Returns the markers of every rank's slice once all {@code ranks} are in {@code folder},
     * looking every {@code pollMillis}; the caller bounds the wait by interrupting.
     *
     * @throws InterruptedException when interrupted while waiting
     */
    List<ShardMarker> awaitShards(Path folder, int ranks, long pollMillis) throws IOException, InterruptedException {
        List<ShardMarker> markers = new ArrayList<>();
        for (int rank = 0; rank < ranks; rank++) {
            Path marker = new Path(folder, SHARD_MARKER + rankText(rank));
            while (!fs.exists(marker)) {
                Thread.sleep(pollMillis);
            }
            try (InputStream in = fs.open(marker)) {
                markers.add(json.readValue(in.readAllBytes(), ShardMarker.class));
            }
        }
        return markers;
    }

    /**
     * Completes a sharded checkpoint in {@code folder} whose slices {@code markers} vouch for: rank
     * 0's {@code state.json} (and {@code best.bin}), then the completion marker covering every file,
     * which it returns.
     */
    Manifest writeShardedCommit(Path folder, ShardedState first, List<ShardMarker> markers) throws IOException {
        Map<String, Manifest.FileDigest> files = new LinkedHashMap<>();
        List<StateDocument.Shard> shards = new ArrayList<>();
        for (ShardMarker marker : markers) {
            files.putAll(marker.files());
            shards.add(new StateDocument.Shard(marker.rank(), marker.offset(), marker.length()));
        }
        TrainingState state = first.part();
        if (state.best() != null) {
            files.put(BEST, writeFile(new Path(folder, BEST), out -> FloatArrays.write(out, state.best())));
        }
        StateDocument document = new StateDocument(state.identity(), state.globalStep(), state.stepsPerEpoch(),
                state.epoch(), first.parameterCount(), state.optimizer().steps(), state.history(),
                state.validations(), shards);
        files.put(STATE, writeFile(new Path(folder, STATE), out -> out.write(json.writeValueAsBytes(document))));
        Manifest manifest = new Manifest(SHARDED_FORMAT, state.globalStep(), System.currentTimeMillis(), files);
        writeFile(new Path(folder, MARKER), out -> out.write(json.writeValueAsBytes(manifest)));
        return manifest;
    }

    private static String shardFile(String kind, int rank) {
        return kind + "-" + rankText(rank) + ".bin";
    }

    private static String rankText(int rank) {
        return String.format("%05d", rank);
    }

    /**
     * What a {@code _SHARD-<rank>} marker says: the rank's slice and its files' sizes and checksums.
     *
     * @param rank the rank
     * @param offset where its slice starts
     * @param length how many values it holds
     * @param files its file names, each with size and CRC32C
     */
    record ShardMarker(int rank, long offset, long length, Map<String, Manifest.FileDigest> files) {}

    /**
     * Describes the checkpoint just written into {@code folder} from its marker, without reading its
     * files back: they were checksummed as they were written, and whoever resumes verifies them.
     */
    CheckpointInfo written(Path folder, Manifest manifest, long epoch) {
        long bytes = manifest.files().values().stream().mapToLong(Manifest.FileDigest::bytes).sum();
        return new CheckpointInfo(folder.getName(), fs.makeQualified(folder).toString(), manifest.step(), epoch,
                manifest.writtenAtMillis(), bytes, null);
    }

    /** Verifies the checkpoint in {@code folder} against its marker; never throws for a bad checkpoint. */
    CheckpointInfo inspect(Path folder) {
        String name = folder.getName();
        Matcher matcher = NAME.matcher(name);
        long step = matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
        String uri = fs.makeQualified(folder).toString();
        try {
            Path marker = new Path(folder, MARKER);
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
                String problem = verify(new Path(folder, file.getKey()), file.getValue());
                if (problem != null) {
                    return new CheckpointInfo(name, uri, step, 0, manifest.writtenAtMillis(), bytes, problem);
                }
                bytes += file.getValue().bytes();
            }
            long epoch = readState(folder).epoch();
            return new CheckpointInfo(name, uri, step, epoch, manifest.writtenAtMillis(), bytes, null);
        } catch (IOException e) {
            return new CheckpointInfo(name, uri, step, 0, 0, 0, "unreadable: " + e.getMessage());
        }
    }

    /**
     * Reads the checkpoint in {@code folder}, all parameters and the optimizer state of {@code
     * length} parameters from {@code offset} (all of them: 0 and the parameter count); verify it
     * first ({@link #inspect}). Either layout serves any slice, reading only what the slice needs of
     * the optimizer files.
     */
    TrainingState read(Path folder, int offset, int length) throws IOException {
        return read(folder, offset, length, null);
    }

    /**
     * As {@link #read(Path, int, int)}, with the parameters read straight into {@code parametersInto}
     * (from index 0) when it is not null, in which case the returned state holds none: a worker
     * loads a large model into its own buffer without a second copy on the heap.
     */
    TrainingState read(Path folder, int offset, int length, FloatBuffer parametersInto) throws IOException {
        StateDocument document = readState(folder);
        if (parametersInto != null && parametersInto.capacity() != document.parameterCount()) {
            throw new IOException("it holds " + document.parameterCount() + " parameters, the model "
                    + parametersInto.capacity());
        }
        if (offset < 0 || length < 0 || (long) offset + length > document.parameterCount()) {
            throw new IOException("it holds " + document.parameterCount() + " parameters, not the optimizer slice from "
                    + offset + " of " + length);
        }
        float[] parameters;
        OptimizerState optimizer;
        if (document.shards() == null) {
            try (DataInputStream in = new DataInputStream(fs.open(new Path(folder, PARAMS)))) {
                int count = Math.toIntExact(document.parameterCount());
                parameters = parametersInto != null ? null : new float[count];
                FloatArrays.readRange(in, 0, count, parametersInto != null ? parametersInto : FloatBuffer.wrap(parameters),
                        0);
            }
            try (DataInputStream in = new DataInputStream(fs.open(new Path(folder, OPTIMIZER)))) {
                optimizer = readOptimizer(in, 0, offset, length, null, 0, length);
            }
        } else {
            parameters = parametersInto != null ? null : new float[Math.toIntExact(document.parameterCount())];
            FloatBuffer target = parametersInto != null ? parametersInto : FloatBuffer.wrap(parameters);
            optimizer = null;
            for (StateDocument.Shard shard : document.shards()) {
                int start = Math.toIntExact(shard.offset());
                int size = Math.toIntExact(shard.length());
                try (DataInputStream in = new DataInputStream(fs.open(new Path(folder, shardFile("params", shard.rank()))))) {
                    FloatArrays.readRange(in, 0, size, target, start);
                }
                int from = Math.max(start, offset);
                int to = Math.min(start + size, offset + length);
                // A slice of no values still needs one file's name and step count.
                if (from < to || optimizer == null && shard == document.shards().get(document.shards().size() - 1)) {
                    int count = Math.max(0, to - from);
                    try (DataInputStream in = new DataInputStream(
                            fs.open(new Path(folder, shardFile("optimizer", shard.rank()))))) {
                        // Straight into the slice's arrays: no second copy of the state on the heap.
                        optimizer = readOptimizer(in, start, count == 0 ? start : from, count, optimizer,
                                count == 0 ? 0 : from - offset, length);
                    }
                }
            }
        }
        float[] best = null;
        Path bestFile = new Path(folder, BEST);
        if (fs.exists(bestFile)) {
            try (DataInputStream in = new DataInputStream(fs.open(bestFile))) {
                best = FloatArrays.read(in);
            }
        }
        return new TrainingState(document.identity(), document.globalStep(), document.stepsPerEpoch(),
                parameters, optimizer, document.history(), document.validations(), best);
    }

    /** Reads {@code state.json} alone: everything but the arrays. */
    StateDocument readState(Path folder) throws IOException {
        try (InputStream in = fs.open(new Path(folder, STATE))) {
            return json.readValue(in.readAllBytes(), StateDocument.class);
        }
    }

    /** Returns the location of {@code state.json} in {@code folder}, for messages. */
    static String stateFile(String folder) {
        return folder + "/" + STATE;
    }

    /** Checks one file's size and CRC32C, streaming it in chunks so memory stays flat however big it is. */
    private String verify(Path file, Manifest.FileDigest expected) throws IOException {
        if (!fs.exists(file)) {
            return file.getName() + " is missing";
        }
        CRC32C crc = new CRC32C();
        long bytes = 0;
        byte[] chunk = new byte[VERIFY_CHUNK];
        try (InputStream in = fs.open(file)) {
            for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
                crc.update(chunk, 0, read);
                bytes += read;
            }
        }
        if (bytes != expected.bytes()) {
            return file.getName() + " has " + bytes + " bytes, expected " + expected.bytes() + " (truncated?)";
        }
        if (crc.getValue() != expected.crc32c()) {
            return file.getName() + " fails its checksum (corrupted)";
        }
        return null;
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

    /**
     * Reads an optimizer file whose buffers start at parameter {@code fileOffset}: each buffer's
     * values for {@code count} parameters from {@code offset} go into {@code into}'s buffers at
     * {@code at}, or, when {@code into} is null, into new buffers of {@code length} values; returns
     * the state they are in.
     */
    private static OptimizerState readOptimizer(DataInputStream in, int fileOffset, int offset, int count,
            OptimizerState into, int at, int length) throws IOException {
        String name = in.readUTF();
        long steps = in.readLong();
        int buffers = in.readInt();
        List<float[]> values = new ArrayList<>(buffers);
        for (int i = 0; i < buffers; i++) {
            float[] target = into != null ? into.buffers().get(i) : new float[length];
            FloatArrays.readRange(in, offset - fileOffset, count, target, at);
            values.add(target);
        }
        return into != null ? into : new OptimizerState(name, steps, values);
    }
}
