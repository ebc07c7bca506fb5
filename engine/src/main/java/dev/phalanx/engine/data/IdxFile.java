package dev.phalanx.engine.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads an IDX file of unsigned bytes (the MNIST family's format), gzipped or not: a magic number
 * giving the element type and rank, the dimensions, then the data.
 *
 * @param dims the dimensions, for example {@code [60000, 28, 28]}
 * @param data the values, row-major, as unsigned bytes
 */
public record IdxFile(int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    /**
     * Reads {@code path}.
     *
     * @throws IOException if the file is missing or not an IDX file of unsigned bytes, naming it
     */
    public static IdxFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("IDX file not found: " + path);
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
                DataInputStream in = new DataInputStream(
                        path.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw)) {
            int magic = in.readInt();
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UNSIGNED_BYTE) {
                throw new IOException(path + " is not an IDX file of unsigned bytes (magic 0x"
                        + Integer.toHexString(magic) + ")");
            }
            int[] dims = new int[magic & 0xff];
            long size = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = in.readInt();
                size *= dims[i];
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new IOException(path + " is too large: " + size + " values");
            }
            byte[] data = new byte[(int) size];
            in.readFully(data);
            return new IdxFile(dims, data);
        }
    }

    /** Returns the unsigned value at flat index {@code i}. */
    public int unsigned(int i) {
        return data[i] & 0xff;
    }
}
