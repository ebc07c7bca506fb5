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
}
