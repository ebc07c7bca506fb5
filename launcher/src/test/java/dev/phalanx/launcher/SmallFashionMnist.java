package dev.phalanx.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/**
 * A small Fashion-MNIST directory laid out as Debian's package lays it out (gzipped IDX files of
 * 28x28 images and their labels), for tests that damage one file and need no 30 MB copy.
 */
final class SmallFashionMnist {

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte.gz";

    private SmallFashionMnist() {}

    /** Writes {@code train} and {@code test} random images with labels into {@code dir}. */
    static Path write(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(TRAIN_IMAGES), gzip(images(train)));
        Files.write(dir.resolve(TRAIN_LABELS), gzip(labels(train)));
        Files.write(dir.resolve(TEST_IMAGES), gzip(images(test)));
        Files.write(dir.resolve(TEST_LABELS), gzip(labels(test)));
        return dir;
    }

    /** Returns an IDX images file (magic 0x00000803) of {@code count} random 28x28 images, not gzipped. */
    static byte[] images(int count) {
        byte[] pixels = new byte[count * 28 * 28];
        new Random(count).nextBytes(pixels);
        return ByteBuffer.allocate(16 + pixels.length).putInt(0x0803).putInt(count).putInt(28).putInt(28).put(pixels)
                .array();
    }

    /** Returns {@code bytes} gzipped. */
    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] labels(int count) {
        ByteBuffer labels = ByteBuffer.allocate(8 + count).putInt(0x0801).putInt(count);
        for (int i = 0; i < count; i++) {
            labels.put((byte) (i % 10));
        }
        return labels.array();
    }
}
