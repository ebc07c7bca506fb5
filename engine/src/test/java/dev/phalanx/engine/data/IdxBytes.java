package dev.phalanx.engine.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Small IDX files for tests, whole or damaged in one chosen way. */
final class IdxBytes {

    private IdxBytes() {}

    /**
     * Returns an IDX file of unsigned bytes with these dimensions and random values from {@code
     * seed} (random, so that gzip cannot shrink them to nothing and a cut file still holds some).
     */
    static byte[] idx(int seed, int... dims) {
        return idxWithMagic(0x0800 | dims.length, seed, dims);
    }

    /** Returns an IDX file with the given magic number, dimensions and random values from {@code seed}. */
    static byte[] idxWithMagic(int magic, int seed, int... dims) {
        int values = 1;
        for (int dim : dims) {
            values *= dim;
        }
        ByteBuffer buffer = ByteBuffer.allocate(Integer.BYTES * (dims.length + 1) + values).putInt(magic);
        for (int dim : dims) {
            buffer.putInt(dim);
        }
        byte[] data = new byte[values];
        new Random(seed).nextBytes(data);
        return buffer.put(data).array();
    }

    /** Returns {@code bytes} gzipped. */
    static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Returns the first {@code length} bytes. */
    static byte[] head(byte[] bytes, int length) {
        byte[] head = new byte[length];
        System.arraycopy(bytes, 0, head, 0, length);
        return head;
    }

    /** Returns a copy of {@code bytes} with the byte at {@code index} inverted. */
    static byte[] flipped(byte[] bytes, int index) {
        byte[] copy = bytes.clone();
        copy[index] = (byte) ~copy[index];
        return copy;
    }

    /**
     * Writes a small Fashion-MNIST directory as Debian's package lays it out: {@code train} and
     * {@code test} images of 28x28 with their labels, gzipped.
     */
    static Path fashionMnist(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), gzip(idx(0, train, 28, 28)));
        Files.write(dir.resolve("train-labels-idx1-ubyte.gz"), gzip(labels(train)));
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), gzip(idx(7, test, 28, 28)));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), gzip(labels(test)));
        return dir;
    }

    private static byte[] labels(int count) {
        byte[] labels = idx(0, count);
        for (int i = 0; i < count; i++) {
            labels[2 * Integer.BYTES + i] = (byte) (i % 10);
        }
        return labels;
    }
}
