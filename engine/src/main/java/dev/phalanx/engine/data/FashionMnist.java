package dev.phalanx.engine.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.LongPredicate;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeArrayWriter;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Loads Fashion-MNIST, as Debian's {@code dataset-fashion-mnist} installs it, into a DataFrame with
 * {@code features} (array&lt;float&gt;, 784 pixels scaled to [0, 1]) and {@code label} (int, 0–9),
 * rows in file order.
 *
 * <p>Each partition reads the files itself and keeps its slice of rows, so the 200 MB of pixels are
 * never shipped inside tasks; the files must therefore exist on every executor's machine (true in
 * local mode, and on a cluster where the Debian package is installed on every node). The driver
 * checks its own copy first ({@link #check}), so a missing, truncated or mismatched file is named
 * before any task runs; a task that finds its copy bad fails with the same {@link
 * InvalidDataException}.
 *
 * <p>{@link #positional} gives the same rows for training without a DataFrame: each worker reads
 * the files and keeps its shard, skipping Spark's count job and shuffle (see {@link PositionalRows}).
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    /** Side of the square images. */
    public static final int SIDE = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Dimensions of the images file: count, rows, columns. */
    private static final int IMAGE_RANK = 3;
    /** Dimensions of the labels file: count. */
    private static final int LABEL_RANK = 1;

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
     * Checks one split's two files in {@code dir} without decompressing their pixels: both exist,
     * are IDX files of images and labels, are as long as their headers declare, and hold 28x28
     * images and as many labels as images.
     *
     * @throws IOException naming the file when one is missing or cannot be read
     * @throws InvalidDataException naming the file and what was expected when one is not such a file
     */
    public static void check(Path dir, Split split) throws IOException {
        for (Path file : List.of(split.images(dir), split.labels(dir))) {
            if (!Files.isRegularFile(file)) {
                throw new IOException("Fashion-MNIST file not found: " + file
                        + " (install Debian's dataset-fashion-mnist or set data_dir)");
            }
        }
        requireMatching(split, dir, IdxFile.check(split.images(dir), IMAGE_RANK),
                IdxFile.check(split.labels(dir), LABEL_RANK));
    }

    /**
     * Returns one split from {@code dir} as a DataFrame of {@code partitions} partitions, after
     * {@link #check}ing its files here, on the driver.
     *
     * @throws IOException naming the file when one is missing or cannot be read
     * @throws InvalidDataException naming the file when one is not what {@link #check} expects
     */
    public static Dataset<Row> load(SparkSession spark, Path dir, Split split, int partitions) throws IOException {
        check(dir, split);
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

    /**
     * Returns one split from {@code dir} as rows the workers read straight from the files (see
     * {@link PositionalRows}), after {@link #check}ing its files here, on the driver.
     *
     * @throws IOException naming the file when one is missing or cannot be read
     * @throws InvalidDataException naming the file when one is not what {@link #check} expects
     */
    public static PositionalRows positional(Path dir, Split split) throws IOException {
        check(dir, split);
        return new SplitFiles(dir.toString(), split, IdxFile.check(split.labels(dir), LABEL_RANK)[0]);
    }

    /** One split's files, read in file order by whoever trains on them. */
    private record SplitFiles(String dir, Split split, long count) implements PositionalRows {

        @Override
        public StructType schema() {
            return FashionMnist.schema();
        }

        @Override
        public Iterator<InternalRow> rows(LongPredicate wanted) throws IOException {
            Path path = Path.of(dir);
            // The data are only read: a read by the driver or another worker in this JVM serves.
            IdxFile images = IdxFileCache.read(split.images(path), IMAGE_RANK);
            IdxFile labels = IdxFileCache.read(split.labels(path), LABEL_RANK);
            requireMatching(split, path, images.dims(), labels.dims());
            int rows = labels.dims()[0];
            if (rows != count) {
                throw new InvalidDataException("data file " + split.labels(path) + " holds " + rows
                        + " labels here but " + count + " where the job started; the files differ between machines");
            }
            int pixels = SIDE * SIDE;
            // Spark's binary row, written as its generated projection of the DataFrame's rows writes it.
            UnsafeRowWriter writer = new UnsafeRowWriter(2, pixels * Float.BYTES + 2 * Long.BYTES);
            UnsafeArrayWriter features = new UnsafeArrayWriter(writer, Float.BYTES);
            return new Iterator<>() {
                private int next = skipTo(0);

                private int skipTo(int from) {
                    int r = from;
                    while (r < rows && !wanted.test(r)) {
                        r++;
                    }
                    return r;
                }

                @Override
                public boolean hasNext() {
                    return next < rows;
                }

                @Override
                public InternalRow next() {
                    if (next >= rows) {
                        throw new NoSuchElementException();
                    }
                    writer.reset();
                    writer.zeroOutNullBytes();
                    int start = writer.cursor();
                    features.initialize(pixels);
                    for (int i = 0; i < pixels; i++) {
                        features.write(i, images.unsigned(next * pixels + i) / 255f);
                    }
                    writer.setOffsetAndSizeFromPreviousCursor(0, start);
                    writer.write(1, labels.unsigned(next));
                    next = skipTo(next + 1);
                    return writer.getRow();
                }
            };
        }

        @Override
        public Dataset<Row> frame(SparkSession spark, int partitions) throws IOException {
            return load(spark, Path.of(dir), split, partitions);
        }

        @Override
        public String description() {
            return "Fashion-MNIST " + split.prefix + " (" + dir + ")";
        }
    }

    private static List<Row> readSlice(Path dir, Split split, int slice, int slices) {
        try {
            IdxFile images = IdxFile.read(split.images(dir), IMAGE_RANK);
            IdxFile labels = IdxFile.read(split.labels(dir), LABEL_RANK);
            requireMatching(split, dir, images.dims(), labels.dims());
            int count = labels.dims()[0];
            int pixels = SIDE * SIDE;
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

    private static void requireMatching(Split split, Path dir, int[] imageDims, int[] labelDims) {
        if (imageDims[1] != SIDE || imageDims[2] != SIDE) {
            throw new InvalidDataException("data file " + split.images(dir) + " holds images of " + imageDims[1] + "x"
                    + imageDims[2] + " pixels, expected " + SIDE + "x" + SIDE);
        }
        if (imageDims[0] != labelDims[0]) {
            throw new InvalidDataException("data file " + split.images(dir) + " holds " + imageDims[0] + " images but "
                    + split.labels(dir) + " holds " + labelDims[0] + " labels");
        }
    }
}
