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
 *
 * <p>With a hold-out fraction the same hash decides which rows are held out for validation
 * ({@link #heldOut}): a function of the row's content and the seed alone, so the split does not
 * depend on partitioning or order, and a row that occurs twice is held out (or not) both times,
 * never on both sides. The fingerprint then covers the training rows only.
 */
final class DataDigest implements Serializable {

    private static final long SEED = 0x5048414c414e58L;

    private final StructType schema;
    private final double holdOutFraction;
    private final long holdOutSeed;

    /** Creates a digest of rows with {@code schema}, holding none out. */
    DataDigest(StructType schema) {
        this(schema, 0, 0);
    }

    /** Creates a digest of rows with {@code schema} that holds out about {@code fraction} of them, chosen by {@code seed}. */
    DataDigest(StructType schema, double fraction, long seed) {
        this.schema = schema;
        this.holdOutFraction = fraction;
        this.holdOutSeed = seed;
    }

    /**
     * Returns one {@code {training rows, sum of their hashes, held-out rows, sum of their hashes}}
     * quadruple for the partition {@code rows}.
     */
    Iterator<long[]> ofPartition(Iterator<InternalRow> rows) {
        Hasher hasher = new Hasher();
        long[] sums = new long[4];
        while (rows.hasNext()) {
            long hash = hasher.hash(rows.next());
            int side = heldOut(hash) ? 2 : 0;
            sums[side]++;
            sums[side + 1] += hash;
        }
        return List.of(sums).iterator();
    }

    /** Returns whether any row is held out. */
    boolean holdsOut() {
        return holdOutFraction > 0;
    }

    /** Returns whether the row with hash {@code rowHash} is held out for validation. */
    boolean heldOut(long rowHash) {
        if (!holdsOut()) {
            return false;
        }
        // SplitMix64's finaliser spreads the hash and seed over all bits; the top 53 make a uniform double.
        long z = rowHash + holdOutSeed * 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        z = z ^ (z >>> 31);
        return (z >>> 11) * 0x1.0p-53 < holdOutFraction;
    }

    /** Hashes the rows of one partition, one at a time; not thread-safe. */
    final class Hasher {
        private UnsafeProjection toUnsafe;

        /** Returns the row's hash. */
        long hash(InternalRow row) {
            UnsafeRow unsafe;
            if (row instanceof UnsafeRow binary) {
                unsafe = binary;
            } else {
                // Operators emit binary rows; this is for one that does not.
                toUnsafe = toUnsafe == null ? UnsafeProjection.create(schema) : toUnsafe;
                unsafe = toUnsafe.apply(row);
            }
            return XXH64.hashUnsafeBytes(unsafe.getBaseObject(), unsafe.getBaseOffset(), unsafe.getSizeInBytes(), SEED);
        }
    }

    /** Combines the partitions' quadruples into the fingerprint of the training rows. */
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
