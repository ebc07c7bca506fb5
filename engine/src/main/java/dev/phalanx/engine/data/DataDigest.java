package dev.phalanx.engine.data;

import dev.phalanx.engine.job.DataFingerprint;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeProjection;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.StructType;

/**
 * Counts and hashes the rows of one partition in one pass, for the {@link DataFingerprint}: each
 * row's hash is XXH64 over Spark's binary form of the row ({@link UnsafeRow}: the selected
 * features and label exactly as Spark holds them, no conversion), so hashing costs about as much
 * as reading the bytes once. Equal values of another column type (double instead of float) hash
 * differently. Runs on the executors.
 */
final class DataDigest implements Serializable {

    private static final long SEED = 0x5048414c414e58L;

    private final StructType schema;

    /** Creates a digest of rows with {@code schema}. */
    DataDigest(StructType schema) {
        this.schema = schema;
    }

    /** Returns one {@code {rows, sum of row hashes}} pair for the partition {@code rows}. */
    Iterator<long[]> ofPartition(Iterator<InternalRow> rows) {
        UnsafeProjection toUnsafe = null;
        long count = 0;
        long sum = 0;
        while (rows.hasNext()) {
            InternalRow row = rows.next();
            UnsafeRow unsafe;
            if (row instanceof UnsafeRow binary) {
                unsafe = binary;
            } else {
                // Operators emit binary rows; this is for one that does not.
                toUnsafe = toUnsafe == null ? UnsafeProjection.create(schema) : toUnsafe;
                unsafe = toUnsafe.apply(row);
            }
            sum += XXH64.hashUnsafeBytes(unsafe.getBaseObject(), unsafe.getBaseOffset(), unsafe.getSizeInBytes(), SEED);
            count++;
        }
        return List.of(new long[] {count, sum}).iterator();
    }

    /** Combines the partitions' pairs into the data's fingerprint. */
    static DataFingerprint combine(List<long[]> partitions) {
        long rows = 0;
        long sum = 0;
        for (long[] partition : partitions) {
            rows += partition[0];
            sum += partition[1];
        }
        return new DataFingerprint(rows, sum);
    }
}
