package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.RowConverter;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.FeatureDomain;
import dev.phalanx.models.InputSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Encoded images as input: PNG and JPEG files read with Spark's {@code binaryFile} source, decoded
 * to the declared {@code [C, H, W]} and normalised, then trained on with two workers.
 */
class ImageInputTest {

    private static final int SIDE = 16;

    @Test
    void pngFilesReadWithTheBinaryFileSourceTrainACnn(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 384; i++) {
            int label = random.nextInt(2);
            Files.write(dir.resolve("class" + label + "-" + i + ".png"), png(stripes(label, random), "png"));
        }
        Dataset<Row> images = SparkTestSession.get().read().format("binaryFile").load(dir.toString())
                .select(functions.col("content"),
                        functions.regexp_extract(functions.col("path"), "class(\\d)-", 1).cast("int").as("label"))
                .orderBy("label", "content");
        List<EpochMetrics> epochs = new ArrayList<>();
        TrainedModel model = Phalanx.fit(images,
                new TrainingOptions("cnn(filters=8, dense=16)", new InputSpec(new long[] {1, SIDE, SIDE}, 2))
                        .optFeaturesCol("content").optWorkers(2).optEpochs(3).optBatchSize(32)
                        .optImageNormalization(new double[] {0.5}, new double[] {0.25}),
                epochs::add);
        assertTrue(epochs.get(2).loss() < 0.5 * epochs.get(0).loss(), epochs.toString());
        assertTrue(model.accuracy(images, "content", "label") > 0.9);
    }

    @Test
    void decodesGreyAndColourPngAndJpegToTheDeclaredShape() throws IOException {
        BufferedImage colour = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(0, 0, 0xff0000);
        colour.setRGB(1, 0, 0x0000ff);
        RowConverter rgb = converter(new long[] {3, 1, 2}, null, null);
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, rgb.convert(RowFactory.create(png(colour, "png"), 0), 0).features());
        RowConverter grey = converter(new long[] {1, 1, 2}, new double[] {0.5}, new double[] {0.5});
        float[] luma = grey.convert(RowFactory.create(png(colour, "png"), 0), 0).features();
        assertEquals((0.299 - 0.5) / 0.5, luma[0], 1e-6);
        assertEquals((0.114 - 0.5) / 0.5, luma[1], 1e-6);
        BufferedImage white = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        white.getRaster().setSample(0, 0, 0, 255);
        float[] jpeg = converter(new long[] {1, 1, 2}, null, null)
                .convert(RowFactory.create(png(white, "jpg"), 0), 0).features();
        assertTrue(jpeg[0] > 0.9 && jpeg[1] < 0.1, "lossy, but white stays white: " + jpeg[0] + ", " + jpeg[1]);
    }

    @Test
    void badImagesAreNamedByColumnAndRow() throws IOException {
        RowConverter converter = converter(new long[] {1, SIDE, SIDE}, null, null);
        InvalidDataException notAnImage = assertThrows(InvalidDataException.class,
                () -> converter.convert(RowFactory.create(new byte[] {1, 2, 3}, 0), 7));
        assertEquals("column 'content', row 7: holds 3 bytes that are not a PNG or JPEG image", notAnImage.getMessage());
        byte[] small = png(new BufferedImage(4, 5, BufferedImage.TYPE_BYTE_GRAY), "png");
        InvalidDataException wrongSize = assertThrows(InvalidDataException.class,
                () -> converter.convert(RowFactory.create(small, 0), 8));
        assertEquals("column 'content', row 8: holds a 4x5 image; expected 16x16 (width x height)", wrongSize.getMessage());
    }

    private static RowConverter converter(long[] shape, double[] mean, double[] std) {
        return new RowConverter(ColumnSpec.of("content", "label", FeatureDomain.real(), new InputSpec(shape, 2), mean, std,
                Objective.CROSS_ENTROPY));
    }

    /** A grey image with bright horizontal stripes (label 0) or vertical ones (label 1), with noise. */
    private static BufferedImage stripes(int label, SplittableRandom random) {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                boolean lit = (label == 0 ? y : x) % 4 < 2;
                image.getRaster().setSample(x, y, 0, (lit ? 128 : 0) + random.nextInt(100));
            }
        }
        return image;
    }

    private static byte[] png(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(image, format, bytes);
        return bytes.toByteArray();
    }
}
