package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.job.DataFingerprint;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** The data's fingerprint, computed by the sharding on real Spark. */
class DataFingerprintTest {

    private static final ColumnSpec COLUMNS = new ColumnSpec("features", "label", 2, 5);

    /** Row i: features {i, scale}, label i mod 5, in {@code partitions} partitions. */
    private static Dataset<Row> rows(int count, int partitions, float scale) {
        return SparkTestSession.get().range(0, count, 1, partitions).select(
                functions.array(functions.col("id").cast("float"), functions.lit(scale)).as("features"),
                functions.col("id").mod(5).cast("int").as("label"));
    }

    private static DataFingerprint fingerprint(Dataset<Row> data) {
        return Sharding.shard(data, COLUMNS, 2, 4).fingerprint();
    }

    @Test
    void theSameRowsHaveTheSameFingerprintHoweverPartitionedOrOrdered() {
        DataFingerprint three = fingerprint(rows(103, 3, 0.5f));
        assertEquals(103, three.rows());
        assertEquals(three, fingerprint(rows(103, 1, 0.5f)));
        assertEquals(three, fingerprint(rows(103, 3, 0.5f).orderBy(functions.col("label"))));
    }

    @Test
    void otherValuesOfTheSameSizeHaveAnotherHash() {
        DataFingerprint half = fingerprint(rows(103, 3, 0.5f));
        DataFingerprint quarter = fingerprint(rows(103, 3, 0.25f));
        assertEquals(half.rows(), quarter.rows());
        assertNotEquals(half.contentHash(), quarter.contentHash());
        Dataset<Row> oneLabelChanged = rows(103, 3, 0.5f).withColumn("label",
                functions.when(functions.col("features").getItem(0).equalTo(7f), 0).otherwise(functions.col("label")));
        assertNotEquals(half.contentHash(), fingerprint(oneLabelChanged).contentHash());
        assertNotEquals(half.rows(), fingerprint(rows(102, 3, 0.5f)).rows());
    }

    @Test
    void aRowNotInSparksBinaryFormHashesAsItsBinaryForm() {
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        InternalRow generic = new GenericInternalRow(new Object[] {new GenericArrayData(new Object[] {1f, 2f}), 3});
        InternalRow binary = UnsafeProjection.create(schema).apply(generic).copy();
        DataDigest digest = new DataDigest(schema);
        assertArrayEquals(digest.ofPartition(List.of(binary).iterator()).next(),
                digest.ofPartition(List.of(generic).iterator()).next());
    }
}
