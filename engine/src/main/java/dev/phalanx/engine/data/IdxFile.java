package dev.phalanx.engine.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Reads an IDX file of unsigned bytes (the MNIST family's format), gzipped when its name ends in
 * {@code .gz}: a magic number giving the element type and the number of dimensions, the
 * dimensions, then the values.
 *
 * <p>A file that is not such a file is an {@link InvalidDataException} whose message names it and
 * says what was expected: a {@code .gz} file that is not gzip or whose gzip data is damaged,
 * another magic number, fewer or more values than its header declares. {@link #check} finds all
 * but damage inside the gzip data from the header and the gzip trailer, without decompressing the
 * values, so the driver can refuse a bad file before any task reads it.
 *
 * @param dims the dimensions, for example {@code [60000, 28, 28]}
 * @param data the values, row-major, as unsigned bytes
 */
public record IdxFile(int[] dims, byte[] data) {

    private static final int UNSIGNED_BYTE = 0x08;

    /**
     * Reads {@code path}, all of it: the values, and for gzip the checksum.
     *
     * @param rank the number of dimensions the file must have (3 for images, 1 for labels)
     * @throws InvalidDataException naming the file when it is not a complete IDX file of unsigned
     *     bytes with {@code rank} dimensions
     * @throws IOException when it cannot be read
     */
    public static IdxFile read(Path path, int rank) throws IOException {
        try (IdxReader in = IdxReader.open(path)) {
            int[] dims = header(in, path, rank);
            byte[] data = new byte[(int) values(dims)];
            long expected = in.position() + data.length;
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new InvalidDataException("data file " + path + " is truncated: expected " + expected
                        + " bytes (" + describe(dims) + "), got " + in.position());
            }
            boolean end;
            try {
                end = in.atEnd();
            } catch (EOFException e) {
                throw new InvalidDataException("data file " + path + " is truncated: it ends inside its gzip trailer");
            }
            if (!end) {
                throw new InvalidDataException("data file " + path + " holds more than the " + expected + " bytes its"
                        + " header declares (" + describe(dims) + ")");
            }
            return new IdxFile(dims, data);
        }
    }

    /**
     * Checks {@code path} from its header and its recorded length (a gzip file's trailer records
     * its uncompressed length) and returns its dimensions; only a file whose length disagrees with
     * its header is read through, to report exactly what is wrong (or to accept a gzip file of
     * several members, whose trailer records the last member's length only).
     *
     * @param rank the number of dimensions the file must have
     * @throws InvalidDataException naming the file when it is not an IDX file of unsigned bytes with
     *     {@code rank} dimensions, or holds fewer or more values than its header declares
     * @throws IOException when it cannot be read
     */
    public static int[] check(Path path, int rank) throws IOException {
        int[] dims;
        long length;
        try (IdxReader in = IdxReader.open(path)) {
            dims = header(in, path, rank);
            length = in.position() + values(dims);
        }
        long stored = IdxReader.storedLength(path);
        boolean agrees = IdxReader.gzipped(path) ? stored == (length & 0xffff_ffffL) : stored == length;
        if (!agrees) {
            read(path, rank);
        }
        return dims;
    }

    /** Returns the unsigned value at flat index {@code i}. */
    public int unsigned(int i) {
        return data[i] & 0xff;
    }

    private static int[] header(IdxReader in, Path path, int rank) throws IOException {
        try {
            int magic = in.readInt();
            int expected = UNSIGNED_BYTE << 8 | rank;
            if (magic != expected) {
                throw new InvalidDataException(String.format("data file %s has magic 0x%08x, expected 0x%08x (IDX:"
                        + " unsigned bytes in %d dimension%s)", path, magic, expected, rank, rank == 1 ? "" : "s"));
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) {
                    throw new InvalidDataException("data file " + path + " has a negative dimension in its IDX header: "
                            + dims[i]);
                }
            }
            if (values(dims) > Integer.MAX_VALUE - 8) {
                throw new InvalidDataException("data file " + path + " is too large: " + describe(dims));
            }
            return dims;
        } catch (EOFException e) {
            throw new InvalidDataException("data file " + path + " is truncated: it ends after " + in.position()
                    + " bytes, inside its IDX header");
        }
    }

    private static long values(int[] dims) {
        long values = 1;
        for (int dim : dims) {
            // Saturates rather than overflows: a damaged header may declare any dimensions.
            values = dim == 0 || values <= Long.MAX_VALUE / dim ? values * dim : Long.MAX_VALUE;
        }
        return values;
    }

    /** Describes the header's promise, for example {@code 16 header bytes and 60000x28x28 values}. */
    private static String describe(int[] dims) {
        return (Integer.BYTES * (dims.length + 1)) + " header bytes and "
                + Arrays.stream(dims).mapToObj(Integer::toString).collect(Collectors.joining("x")) + " values";
    }
}
