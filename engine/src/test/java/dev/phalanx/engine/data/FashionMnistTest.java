package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the real files of Debian's dataset-fashion-mnist (installed by .ci/run), and small written
 * ones that disagree or are damaged.
 */
class FashionMnistTest {

    @Test
    void testSplitHasTenThousandScaledImagesAndBalancedLabels() throws IOException {
        Dataset<Row> test = FashionMnist.load(SparkTestSession.get(), Path.of(FashionMnist.DEBIAN_DIR),
                FashionMnist.Split.TEST, 3);
        assertEquals(3, test.rdd().getNumPartitions());
        List<Row> rows = test.collectAsList();
        assertEquals(10_000, rows.size());
        int[] perClass = new int[10];
        float max = 0;
        for (Row row : rows) {
            List<Float> pixels = row.getList(0);
            assertEquals(784, pixels.size());
            for (float p : pixels) {
                assertTrue(p >= 0 && p <= 1, "pixel " + p);
                max = Math.max(max, p);
            }
            perClass[row.getInt(1)]++;
        }
        assertEquals(1f, max);
        for (int count : perClass) {
            assertEquals(1000, count);
        }
    }

    @Test
    void theCheckNamesImagesAndLabelsThatDisagree(@TempDir Path dir) throws IOException {
        IdxBytes.fashionMnist(dir, 30, 20);
        FashionMnist.check(dir, FashionMnist.Split.TRAIN);
        Files.copy(dir.resolve("t10k-labels-idx1-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"),
                StandardCopyOption.REPLACE_EXISTING);
        InvalidDataException counts = assertThrows(InvalidDataException.class,
                () -> FashionMnist.check(dir, FashionMnist.Split.TRAIN));
        assertEquals("data file " + dir.resolve("train-images-idx3-ubyte.gz") + " holds 30 images but "
                + dir.resolve("train-labels-idx1-ubyte.gz") + " holds 20 labels", counts.getMessage());
        Files.write(dir.resolve("t10k-images-idx3-ubyte.gz"), IdxBytes.gzip(IdxBytes.idx(1, 20, 32, 32)));
        InvalidDataException side = assertThrows(InvalidDataException.class,
                () -> FashionMnist.load(SparkTestSession.get(), dir, FashionMnist.Split.TEST, 2));
        assertEquals("data file " + dir.resolve("t10k-images-idx3-ubyte.gz") + " holds images of 32x32 pixels,"
                + " expected 28x28", side.getMessage());
    }

    @Test
    void aFileTheDriverPassesButATaskFindsDamagedFailsTheJobNamingIt(@TempDir Path dir) throws IOException {
        IdxBytes.fashionMnist(dir, 30, 20);
        assertEquals(30, FashionMnist.load(SparkTestSession.get(), dir, FashionMnist.Split.TRAIN, 2).count());
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        byte[] whole = Files.readAllBytes(images);
        // A damaged CRC: the trailer's length still agrees, so only reading the data finds it.
        Files.write(images, IdxBytes.flipped(whole, whole.length - 8));
        Dataset<Row> train = FashionMnist.load(SparkTestSession.get(), dir, FashionMnist.Split.TRAIN, 2);
        Exception failed = assertThrows(Exception.class, train::count);
        Throwable cause = failed;
        while (!(cause instanceof InvalidDataException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        assertTrue(cause instanceof InvalidDataException, String.valueOf(failed));
        assertTrue(cause.getMessage().startsWith("data file " + images + " is corrupt: its gzip data is damaged"),
                cause.getMessage());
    }

    @Test
    void aMissingDirectoryIsNamed() {
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(SparkTestSession.get(),
                Path.of("/nonexistent/fm"), FashionMnist.Split.TRAIN, 2));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST file not found: /nonexistent/fm/train-images"), e.getMessage());
    }
}
