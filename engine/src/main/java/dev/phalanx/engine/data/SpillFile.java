package dev.phalanx.engine.data;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The part of a shard past the memory budget: the same fixed-size records as {@link MemoryPages},
 * appended to a file through one write buffer, then read back one record at a time with positional
 * reads into a reused direct buffer, so a random-order gather allocates nothing. Not thread-safe.
 */
final class SpillFile implements AutoCloseable {

    private static final int WRITE_BUFFER_BYTES = 1 << 20;
    private static final Logger LOG = Logger.getLogger(SpillFile.class.getName());

    private final Path path;
    private final FileChannel channel;
    private final int featureLength;
    private final int recordBytes;
    private ByteBuffer writeBuffer;
    private FloatBuffer writeFloats;
    private ByteBuffer readBuffer;
    private FloatBuffer readFloats;
    private long count;
    private boolean closed;

    private SpillFile(Path path, FileChannel channel, int featureLength) {
        this.path = path;
        this.channel = channel;
        this.featureLength = featureLength;
        this.recordBytes = (featureLength + 1) * Float.BYTES;
        this.writeBuffer = DirectBuffers.allocate(Math.max(recordBytes, WRITE_BUFFER_BYTES / recordBytes * recordBytes));
        this.writeFloats = writeBuffer.asFloatBuffer();
    }

    /** Creates a new, empty spill file in {@code dir} (created if missing), its name starting with {@code prefix}. */
    static SpillFile create(Path dir, String prefix, int featureLength) throws IOException {
        Files.createDirectories(dir);
        Path path = Files.createTempFile(dir, prefix, ".spill");
        try {
            return new SpillFile(path,
                    FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE), featureLength);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(path);
            throw e;
        }
    }

    /** Appends one record. */
    void append(float[] features, int label) throws IOException {
        if (writeBuffer.remaining() < recordBytes) {
            flush();
        }
        int at = writeBuffer.position();
        writeFloats.put(at / Float.BYTES, features);
        writeBuffer.putInt(at + featureLength * Float.BYTES, label);
        writeBuffer.position(at + recordBytes);
        count++;
    }

    /** Writes what is buffered and frees the write buffer; call once, after the last append. */
    void finishWriting() throws IOException {
        flush();
        DirectBuffers.free(writeBuffer);
        writeBuffer = null;
        writeFloats = null;
        readBuffer = DirectBuffers.allocate(recordBytes);
        readFloats = readBuffer.asFloatBuffer();
    }

    private void flush() throws IOException {
        writeBuffer.flip();
        while (writeBuffer.hasRemaining()) {
            channel.write(writeBuffer);
        }
        writeBuffer.clear();
    }

    /**
     * Copies the features of record {@code index} into {@code out} at float index {@code outIndex}
     * and returns its label.
     */
    int read(long index, FloatBuffer out, int outIndex) throws IOException {
        long position = index * recordBytes;
        readBuffer.clear();
        while (readBuffer.hasRemaining()) {
            if (channel.read(readBuffer, position + readBuffer.position()) < 0) {
                throw new EOFException("spill file " + path + " ends before record " + index);
            }
        }
        out.put(outIndex, readFloats, 0, featureLength);
        return readBuffer.getInt(featureLength * Float.BYTES);
    }

    /** Returns the number of records written. */
    long count() {
        return count;
    }

    /** Returns the file's path. */
    Path path() {
        return path;
    }

    /**
     * Closes and deletes the file and frees the buffers; idempotent. Failures are logged, not
     * thrown, so cleanup never hides the error that caused it.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ByteBuffer buffer : new ByteBuffer[] {writeBuffer, readBuffer}) {
            if (buffer != null) {
                DirectBuffers.free(buffer);
            }
        }
        writeBuffer = null;
        readBuffer = null;
        writeFloats = null;
        readFloats = null;
        try {
            channel.close();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot close spill file " + path, e);
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot delete spill file " + path, e);
        }
    }
}
