package dev.phalanx.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Small labelled data sets made in the test, so tests need no download. */
public final class SyntheticData {

    private SyntheticData() {}

    /** Returns the schema {@code features array<float>, label int}. */
    public static StructType schema() {
        return new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
    }

    /**
     * Returns {@code rows} rows of {@code length} features in one partition, in a fixed order; the
     * label is the index of the largest of the first {@code classes} features, so the task is learnable.
     */
    public static Dataset<Row> classification(int rows, int length, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> data = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            Float[] features = new Float[length];
            int best = 0;
            for (int i = 0; i < length; i++) {
                features[i] = (float) random.nextDouble();
                if (i < classes && features[i] > features[best]) {
                    best = i;
                }
            }
            data.add(RowFactory.create(features, best));
        }
        return SparkTestSession.get().createDataFrame(data, schema()).coalesce(1);
    }

    /**
     * Returns {@code rows} images {@code [channels, side, side]} of uniform noise in which class c
     * has a bright square in the c-th of {@code classes} horizontal bands — learnable by a CNN.
     */
    public static Dataset<Row> images(int rows, int channels, int side, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int band = side / classes;
        List<Row> data = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int label = random.nextInt(classes);
            Float[] pixels = new Float[channels * side * side];
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        boolean lit = y / band == label && x >= side / 4 && x < 3 * side / 4;
                        pixels[(c * side + y) * side + x] = (float) (0.5 * random.nextDouble() + (lit ? 0.5 : 0));
                    }
                }
            }
            data.add(RowFactory.create(pixels, label));
        }
        return SparkTestSession.get().createDataFrame(data, schema()).coalesce(1);
    }

    /**
     * Returns {@code rows} token sequences {@code features array<int>} of 3 to 16 ids from {@code
     * [classes + 1, vocabulary)}, with the keyword id {@code label + 1} at one of the first three
     * positions — the class is which keyword occurs. Lengths vary, so a fixed-length reader pads
     * some rows and cuts others.
     */
    public static Dataset<Row> tokens(int rows, int vocabulary, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> data = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int label = random.nextInt(classes);
            Integer[] ids = new Integer[3 + random.nextInt(14)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = classes + 1 + random.nextInt(vocabulary - classes - 1);
            }
            ids[random.nextInt(3)] = label + 1;
            data.add(RowFactory.create(ids, label));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return SparkTestSession.get().createDataFrame(data, schema).coalesce(1);
    }

    /**
     * Returns {@code rows} rows {@code features array<float>(length)} of uniform values in [0, 1) and
     * {@code target double = 2 x0 - x1 + 0.5 x2} in one partition, in a fixed order; the target of
     * row {@code nanRow} is NaN (pass -1 for none).
     */
    public static Dataset<Row> regression(int rows, int length, long seed, long nanRow) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> data = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            Float[] x = new Float[length];
            for (int i = 0; i < length; i++) {
                x[i] = (float) random.nextDouble();
            }
            data.add(RowFactory.create(x, r == nanRow ? Double.NaN : 2.0 * x[0] - x[1] + 0.5 * x[2]));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("target", DataTypes.DoubleType, true);
        return SparkTestSession.get().createDataFrame(data, schema).coalesce(1);
    }
}
