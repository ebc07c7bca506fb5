package dev.phalanx.engine.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Loads Fashion-MNIST, as Debian's {@code dataset-fashion-mnist} installs it, into a DataFrame with
 * {@code features} (array&lt;float&gt;, 784 pixels scaled to [0, 1]) and {@code label} (int, 0–9),
 * rows in file order.
 *
 * <p>Each partition reads the files itself and keeps its slice of rows, so the 200 MB of pixels are
 * never shipped inside tasks; the files must therefore exist on every executor's machine (true in
 * local mode, and on a cluster where the Debian package is installed on every node).
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    /** Side of the square images. */
    public static final int SIDE = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;

    /** The two splits of the data set. */
    public enum Split {
        /** 60 000 training images. */
        TRAIN("train"),
        /** 10 000 test images. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        private Path images(Path dir) {
            return dir.resolve(prefix + "-images-idx3-ubyte.gz");
        }

        private Path labels(Path dir) {
            return dir.resolve(prefix + "-labels-idx1-ubyte.gz");
        }
    }

    private FashionMnist() {}

    /** Returns the schema of the loaded DataFrame. */
    public static StructType schema() {
        return new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
    }

    /**
     * Returns one split from {@code dir} as a DataFrame of {@code partitions} partitions.
     *
     * @throws IOException naming the file when one is missing (checked here, on the driver)
     */
    public static Dataset<Row> load(SparkSession spark, Path dir, Split split, int partitions) throws IOException {
        for (Path file : List.of(split.images(dir), split.labels(dir))) {
            if (!Files.isRegularFile(file)) {
                throw new IOException("Fashion-MNIST file not found: " + file
                        + " (install Debian's dataset-fashion-mnist or set data_dir)");
            }
        }
        String directory = dir.toString();
        List<Integer> slices = new ArrayList<>();
        for (int i = 0; i < partitions; i++) {
            slices.add(i);
        }
        JavaRDD<Row> rows = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(slices, partitions)
                .flatMap(slice -> readSlice(Path.of(directory), split, slice, partitions).iterator());
        return spark.createDataFrame(rows, schema());
    }

    private static List<Row> readSlice(Path dir, Split split, int slice, int slices) {
        try {
            IdxFile images = IdxFile.read(split.images(dir));
            IdxFile labels = IdxFile.read(split.labels(dir));
            int count = labels.dims()[0];
            int pixels = SIDE * SIDE;
            if (images.dims().length != 3 || images.dims()[0] != count
                    || images.dims()[1] * images.dims()[2] != pixels) {
                throw new IOException("Fashion-MNIST files in " + dir + " disagree: " + count
                        + " labels for images shaped " + Arrays.toString(images.dims()));
            }
            int from = (int) ((long) count * slice / slices);
            int to = (int) ((long) count * (slice + 1) / slices);
            List<Row> rows = new ArrayList<>(to - from);
            for (int r = from; r < to; r++) {
                float[] features = new float[pixels];
                for (int i = 0; i < pixels; i++) {
                    features[i] = images.unsigned(r * pixels + i) / 255f;
                }
                rows.add(RowFactory.create(features, labels.unsigned(r)));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
