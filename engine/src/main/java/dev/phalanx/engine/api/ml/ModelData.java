package dev.phalanx.engine.api.ml;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A trained model's data beside its metadata: {@code data/parameters.bin} (the flat float32
 * parameters with a count and a CRC32C, so a truncated or damaged file is refused rather than
 * loaded), {@code data/history.json} (the per-epoch training metrics) and {@code
 * data/validations.json} (the validations taken while training; absent in models saved before).
 *
 * @param parameters the flat parameters in the network's parameter order
 * @param history one entry per training epoch
 * @param validations the validations taken while training, in order
 */
record ModelData(float[] parameters, List<EpochMetrics> history, List<Validation> validations)
        implements Serializable {

    /** The data of a trained model. */
    static ModelData of(TrainedModel trained) {
        return new ModelData(trained.parameters(), List.copyOf(trained.history()), List.copyOf(trained.validations()));
    }

    private static final int MAGIC = 0x50484c58; // "PHLX"
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Writes the data under {@code <path>/data}. */
    void save(String path, Configuration conf) {
        Path dir = new Path(path, "data");
        try {
            FileSystem fs = dir.getFileSystem(conf);
            CRC32C crc = new CRC32C();
            OutputStream file = new BufferedOutputStream(fs.create(new Path(dir, "parameters.bin"), false));
            try (DataOutputStream out = new DataOutputStream(new CheckedOutputStream(file, crc))) {
                out.writeInt(MAGIC);
                out.writeInt(parameters.length);
                for (float value : parameters) {
                    out.writeFloat(value);
                }
                out.flush();
                // The checksum covers everything before it.
                out.writeLong(crc.getValue());
            }
            try (OutputStream out = fs.create(new Path(dir, "history.json"), false)) {
                JSON.writerWithDefaultPrettyPrinter().writeValue(out, history);
            }
            try (OutputStream out = fs.create(new Path(dir, "validations.json"), false)) {
                JSON.writerWithDefaultPrettyPrinter().writeValue(out, validations);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model data under " + dir, e);
        }
    }

    /**
     * Reads the data under {@code <path>/data}.
     *
     * @throws IllegalArgumentException naming the file when it is missing, truncated or damaged
     */
    static ModelData load(String path, Configuration conf) {
        Path file = new Path(new Path(path, "data"), "parameters.bin");
        float[] parameters;
        try {
            FileSystem fs = file.getFileSystem(conf);
            CRC32C crc = new CRC32C();
            InputStream stream = new BufferedInputStream(fs.open(file));
            try (DataInputStream in = new DataInputStream(new CheckedInputStream(stream, crc))) {
                if (in.readInt() != MAGIC) {
                    throw new IllegalArgumentException(file + " is not a Phalanx parameter file");
                }
                parameters = new float[in.readInt()];
                for (int i = 0; i < parameters.length; i++) {
                    parameters[i] = in.readFloat();
                }
                long computed = crc.getValue();
                if (in.readLong() != computed || in.read() != -1) {
                    throw new IllegalArgumentException(file + " is damaged: its checksum does not match");
                }
            }
            List<EpochMetrics> history;
            try (InputStream in = fs.open(new Path(file.getParent(), "history.json"))) {
                history = JSON.readValue(in, new TypeReference<List<EpochMetrics>>() {});
            }
            Path validationsFile = new Path(file.getParent(), "validations.json");
            List<Validation> validations = List.of();
            if (fs.exists(validationsFile)) {
                try (InputStream in = fs.open(validationsFile)) {
                    validations = JSON.readValue(in, new TypeReference<List<Validation>>() {});
                }
            }
            return new ModelData(parameters, history, validations);
        } catch (ChecksumException e) {
            // Hadoop's checksummed file systems (the local one included) detect the damage first.
            throw new IllegalArgumentException(file + " is damaged: its checksum does not match", e);
        } catch (EOFException e) {
            throw new IllegalArgumentException(file + " is truncated", e);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the model data under " + file.getParent() + ": " + e, e);
        }
    }
}
