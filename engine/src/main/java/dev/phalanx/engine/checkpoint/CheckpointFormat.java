package dev.phalanx.engine.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.optim.OptimizerState;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
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
 */
final class CheckpointFormat {

    private static final String MARKER = "_COMMITTED";
    private static final Pattern NAME = Pattern.compile("ckpt-(\\d{12})");
    private static final String PARAMS = "params.bin";
    private static final String OPTIMIZER = "optimizer.bin";
    private static final String BEST = "best.bin";
    private static final String STATE = "state.json";
    private static final int FORMAT = 1;
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

    /** Writes every file of {@code state} into {@code folder}, the marker last. */
    void write(Path folder, TrainingState state) throws IOException {
        Map<String, Manifest.FileDigest> files = new LinkedHashMap<>();
        files.put(PARAMS, writeFile(new Path(folder, PARAMS), out -> FloatArrays.write(out, state.parameters())));
        files.put(OPTIMIZER, writeFile(new Path(folder, OPTIMIZER), out -> writeOptimizer(out, state.optimizer())));
        if (state.best() != null) {
            files.put(BEST, writeFile(new Path(folder, BEST), out -> FloatArrays.write(out, state.best())));
        }
        StateDocument document = new StateDocument(state.identity(), state.globalStep(), state.stepsPerEpoch(),
                state.epoch(), state.parameters().length, state.optimizer().steps(), state.history(),
                state.validations());
        files.put(STATE, writeFile(new Path(folder, STATE), out -> out.write(json.writeValueAsBytes(document))));
        Manifest manifest = new Manifest(FORMAT, state.globalStep(), System.currentTimeMillis(), files);
        writeFile(new Path(folder, MARKER), out -> out.write(json.writeValueAsBytes(manifest)));
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

    /** Reads the checkpoint in {@code folder}; verify it first ({@link #inspect}). */
    TrainingState read(Path folder) throws IOException {
        StateDocument document = readState(folder);
        float[] parameters;
        try (DataInputStream in = new DataInputStream(fs.open(new Path(folder, PARAMS)))) {
            parameters = FloatArrays.read(in);
        }
        OptimizerState optimizer;
        try (DataInputStream in = new DataInputStream(fs.open(new Path(folder, OPTIMIZER)))) {
            optimizer = readOptimizer(in);
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
}
