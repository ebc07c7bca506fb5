package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** Reads the real files of Debian's dataset-fashion-mnist (installed by .ci/run). */
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
    void aMissingDirectoryIsNamed() {
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(SparkTestSession.get(),
                Path.of("/nonexistent/fm"), FashionMnist.Split.TRAIN, 2));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST file not found: /nonexistent/fm/train-images"), e.getMessage());
    }
}
