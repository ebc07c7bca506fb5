package dev.phalanx.engine.data;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * One IDX file open for reading, decompressed when its name ends in {@code .gz}. It counts the
 * bytes read, and turns what the JDK throws for a file that is not gzip or whose gzip data is
 * damaged into an {@link InvalidDataException} naming the file; an early end stays an {@link
 * EOFException}, which {@link IdxFile} reports against the length the header declares.
 */
final class IdxReader implements Closeable {

    private static final int BUFFER_BYTES = 1 << 16;
    private static final byte[] GZIP_MAGIC = {0x1f, (byte) 0x8b};

    private final Path path;
    private final InputStream in;
    private long position;

    private IdxReader(Path path, InputStream in) {
        this.path = path;
        this.in = in;
    }

    /**
     * Opens {@code path}.
     *
     * @throws InvalidDataException naming the file when it is named {@code .gz} but is not gzip
     * @throws IOException when it cannot be opened
     */
    static IdxReader open(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES);
        if (!gzipped(path)) {
            return new IdxReader(path, raw);
        }
        try {
            requireGzipMagic(path, raw);
            return new IdxReader(path, new GZIPInputStream(raw, BUFFER_BYTES));
        } catch (ZipException e) {
            raw.close();
            throw new InvalidDataException("data file " + path + " is not valid gzip: " + e.getMessage());
        } catch (EOFException e) {
            raw.close();
            throw new InvalidDataException("data file " + path + " is truncated: it ends inside its gzip header");
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /**
     * Returns how many bytes {@code path} holds once decompressed, as far as its own records tell
     * without decompressing it: a gzip file's trailer records that length modulo 2^32 (of its last
     * member only, should it have several), or -1 when it is too short to hold one; a plain file
     * holds its size.
     */
    static long storedLength(Path path) throws IOException {
        if (!gzipped(path)) {
            return Files.size(path);
        }
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer trailer = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long size = file.size();
            if (size < Integer.BYTES) {
                return -1;
            }
            while (trailer.hasRemaining()) {
                if (file.read(trailer, size - trailer.remaining()) < 0) {
                    return -1;
                }
            }
            return Integer.toUnsignedLong(trailer.getInt(0));
        }
    }

    /** Returns whether {@code path} is read as gzip. */
    static boolean gzipped(Path path) {
        return path.getFileName().toString().endsWith(".gz");
    }

    /** Returns the bytes read so far (decompressed). */
    long position() {
        return position;
    }

    /** Reads a big-endian int. */
    int readInt() throws IOException {
        byte[] bytes = new byte[Integer.BYTES];
        readFully(bytes);
        return ByteBuffer.wrap(bytes).getInt();
    }

    /** Fills {@code bytes}, throwing {@link EOFException} when the file ends first. */
    void readFully(byte[] bytes) throws IOException {
        int filled = 0;
        while (filled < bytes.length) {
            int n = read(bytes, filled, bytes.length - filled);
            if (n < 0) {
                throw new EOFException();
            }
            filled += n;
        }
    }

    /** Returns whether the file ends here; for gzip, reading to the end also checks its CRC. */
    boolean atEnd() throws IOException {
        return read(new byte[1], 0, 1) < 0;
    }

    private int read(byte[] bytes, int offset, int length) throws IOException {
        try {
            int n = in.read(bytes, offset, length);
            if (n > 0) {
                position += n;
            }
            return n;
        } catch (ZipException e) {
            // Inflater and GZIPInputStream: invalid deflate data, or a trailer whose CRC or size disagrees.
            throw new InvalidDataException("data file " + path + " is corrupt: its gzip data is damaged ("
                    + e.getMessage() + ") after " + position + " bytes");
        }
    }

    private static void requireGzipMagic(Path path, InputStream raw) throws IOException {
        raw.mark(GZIP_MAGIC.length);
        byte[] start = raw.readNBytes(GZIP_MAGIC.length);
        raw.reset();
        if (start.length == GZIP_MAGIC.length && (start[0] != GZIP_MAGIC[0] || start[1] != GZIP_MAGIC[1])) {
            throw new InvalidDataException("data file " + path + " is not gzip: it starts with bytes "
                    + HexFormat.ofDelimiter(" ").formatHex(start) + ", not gzip's 1f 8b");
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
