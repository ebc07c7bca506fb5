package dev.phalanx.engine.data;

import dev.phalanx.engine.job.DataFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.function.LongPredicate;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.ShuffledRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;
import scala.math.Ordering;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Turns a DataFrame into the W shards the workers train on, and fingerprints the data on the way;
 * with validation data (a second DataFrame, or a fraction held out of the first) each shard also
 * carries its share of the validation rows.
 */
public final class Sharding {

    private static final ClassTag<Long> LONG = ClassTag$.MODULE$.apply(Long.class);
    private static final ClassTag<LabeledSample> SAMPLE = ClassTag$.MODULE$.apply(LabeledSample.class);

    private Sharding() {}

    /**
     * The shards, not yet computed, and the fingerprint of the data they train on.
     *
     * @param keyed one partition per worker: its training rows sorted by global position, then its
     *     validation rows, whose positions are {@code trainingRows} or more
     * @param trainingRows how many rows train
     * @param validationRows how many rows validate (0: none)
     * @param fingerprint the training rows' count and content hash
     */
    public record Sharded(JavaPairRDD<Long, LabeledSample> keyed, long trainingRows, long validationRows,
            DataFingerprint fingerprint) {

        /** Returns the shards' samples without their positions. */
        public JavaRDD<LabeledSample> samples() {
            return keyed.values();
        }
    }

    /** Shards {@code data} with no validation rows; see {@link #shard(Dataset, Dataset, double, long, ColumnSpec, int, int)}. */
    public static Sharded shard(Dataset<Row> data, ColumnSpec columns, int workers, int localBatch) {
        return shard(data, null, 0, 0, columns, workers, localBatch);
    }

    /**
     * Selects the two columns, numbers rows in DataFrame order, converts and validates them, and
     * moves them into {@code workers} shards sorted by global position (see {@link
     * ShardPartitioner}). Runs one job now (two with {@code validation}): numbering rows needs each
     * partition's row count, and the pass that counts them also hashes them ({@link DataDigest}) for
     * the fingerprint and decides which are held out. The rest runs when the shards are used.
     *
     * @param validation validation rows with the same columns, or null
     * @param holdOutFraction about this fraction of {@code data}'s rows validate instead of training
     *     (0: none), chosen by {@code seed} and each row's content
     */
    public static Sharded shard(Dataset<Row> data, Dataset<Row> validation, double holdOutFraction, long seed,
            ColumnSpec columns, int workers, int localBatch) {
        RowConverter converter = new RowConverter(columns);
        JavaRDD<InternalRow> rows = internalRows(data, columns);
        StructType schema = selected(data, columns).schema();
        DataDigest digest = new DataDigest(schema, holdOutFraction, seed);
        List<long[]> partitions = rows.mapPartitions(digest::ofPartition).collect();
        int count = partitions.size();
        long[] firstRow = new long[count];
        long[] firstTraining = new long[count];
        long[] firstHeldOut = new long[count];
        for (int p = 1; p < count; p++) {
            long[] previous = partitions.get(p - 1);
            firstRow[p] = firstRow[p - 1] + previous[0] + previous[2];
            firstTraining[p] = firstTraining[p - 1] + previous[0];
            firstHeldOut[p] = firstHeldOut[p - 1] + previous[2];
        }
        long trainingRows = count == 0 ? 0 : firstTraining[count - 1] + partitions.get(count - 1)[0];
        long heldOutRows = count == 0 ? 0 : firstHeldOut[count - 1] + partitions.get(count - 1)[2];
        JavaPairRDD<Long, LabeledSample> numbered = JavaPairRDD.fromJavaRDD(rows.mapPartitionsWithIndex(
                (partition, partitionRows) -> number(partitionRows, firstRow[partition], firstTraining[partition],
                        trainingRows + firstHeldOut[partition], converter, schema, digest), false));
        long validationRows = heldOutRows;
        if (validation != null) {
            JavaRDD<InternalRow> validationInternal = internalRows(validation, columns);
            StructType validationSchema = selected(validation, columns).schema();
            List<long[]> validationPartitions = validationInternal
                    .mapPartitions(new DataDigest(validationSchema)::ofPartition).collect();
            long[] firstValidation = new long[validationPartitions.size()];
            for (int p = 1; p < firstValidation.length; p++) {
                firstValidation[p] = firstValidation[p - 1] + validationPartitions.get(p - 1)[0];
            }
            for (long[] partition : validationPartitions) {
                validationRows += partition[0];
            }
            numbered = numbered.union(JavaPairRDD.fromJavaRDD(validationInternal.mapPartitionsWithIndex(
                    (partition, partitionRows) -> numberValidation(partitionRows, firstValidation[partition],
                            trainingRows + heldOutRows, converter, validationSchema), false)));
        }
        // repartitionAndSortWithinPartitions, with the shuffle's own serializer.
        ShuffledRDD<Long, LabeledSample, LabeledSample> shuffled = new ShuffledRDD<>(numbered.rdd(),
                new ShardPartitioner(workers, localBatch, trainingRows), LONG, SAMPLE, SAMPLE);
        shuffled.setSerializer(new SampleShuffleSerializer());
        shuffled.setKeyOrdering(Ordering.comparatorToOrdering(Comparator.<Long>naturalOrder()));
        JavaPairRDD<Long, LabeledSample> keyed = JavaPairRDD.fromRDD(shuffled, LONG, SAMPLE);
        return new Sharded(keyed, trainingRows, validationRows, DataDigest.combine(partitions));
    }

    /**
     * Shards rows the workers read for themselves: no Spark job runs now, and the shards are
     * computed without a shuffle. Each of the {@code workers} tasks reads all rows in order and keeps
     * those at its positions (the {@link ShardPartitioner}'s assignment), so the shards are exactly
     * those {@link #shard(Dataset, ColumnSpec, int, int)} makes of {@code rows.frame(…)}. The driver
     * reads the rows once, here (or in the background: {@link FingerprintedRows}), for the
     * fingerprint, which is the same as the DataFrame's.
     *
     * @throws IOException when the driver cannot read the rows
     */
    public static Sharded shard(PositionalRows rows, SparkContext sc, ColumnSpec columns, int workers,
            int localBatch) throws IOException {
        DataFingerprint fingerprint = rows instanceof FingerprintedRows started ? started.fingerprint()
                : fingerprint(rows);
        return new Sharded(read(rows, sc, columns, workers, localBatch), rows.count(), 0, fingerprint);
    }

    /**
     * The rows as {@code partitions} partitions that read them straight from their files, without
     * the fingerprint: blocks of {@code block} rows go round-robin (the shards' assignment, see
     * {@link ShardPartitioner}), keyed by position. With blocks of one row, for scoring.
     */
    public static JavaPairRDD<Long, LabeledSample> read(PositionalRows rows, SparkContext sc, ColumnSpec columns,
            int partitions, int block) {
        return JavaPairRDD.fromRDD(new PositionalShardRdd(sc, rows, new ShardPartitioner(partitions, block,
                rows.count()), new RowConverter(columns)), LONG, SAMPLE);
    }

    /**
     * Reads all of {@code rows} here and returns their fingerprint: the same as that of their
     * DataFrame ({@link PositionalRows#frame}).
     *
     * @throws IOException when the rows cannot be read
     * @throws InvalidDataException when they are fewer or more than they declare, or a file is bad
     */
    static DataFingerprint fingerprint(PositionalRows rows) throws IOException {
        List<long[]> sums = new ArrayList<>();
        new DataDigest(rows.schema()).ofPartition(rows.rows(position -> true)).forEachRemaining(sums::add);
        DataFingerprint fingerprint = DataDigest.combine(sums);
        if (fingerprint.rows() != rows.count()) {
            throw new InvalidDataException(rows.description() + " holds " + fingerprint.rows() + " rows, not the "
                    + rows.count() + " its files declare");
        }
        return fingerprint;
    }

    /** Reads {@code rows} and returns, lazily, those that {@code partitioner} sends to {@code rank}, keyed by position. */
    static Iterator<Tuple2<Long, LabeledSample>> shardOf(PositionalRows rows, int rank,
            ShardPartitioner partitioner, RowConverter converter, StructType schema) {
        LongPredicate mine = position -> partitioner.getPartition(position) == rank;
        Iterator<InternalRow> kept;
        try {
            kept = rows.rows(mine);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Iterator<>() {
            private long position = -1;

            @Override
            public boolean hasNext() {
                return kept.hasNext();
            }

            @Override
            public Tuple2<Long, LabeledSample> next() {
                InternalRow row = kept.next();
                // The same positions, in the same order, as the reader kept.
                do {
                    position++;
                } while (!mine.test(position));
                return new Tuple2<>(position, converter.convert(row, schema, position));
            }
        };
    }

    private static Dataset<Row> selected(Dataset<Row> data, ColumnSpec columns) {
        return data.select(functions.col(columns.featuresCol()), functions.col(columns.labelCol()));
    }

    /**
     * Spark's internal rows, not Rows: making a Row boxes every element of an array column, which
     * took longer than the rest of sharding.
     */
    private static JavaRDD<InternalRow> internalRows(Dataset<Row> data, ColumnSpec columns) {
        return selected(data, columns).queryExecution().toRdd().toJavaRDD();
    }

    /**
     * Converts a partition's rows, keying each training row by its training position (from {@code
     * firstTraining}) and each held-out row by its validation position (from {@code firstHeldOut});
     * errors name the row's position in the whole DataFrame (from {@code firstRow}). Each internal
     * row may be reused for the next one, so it is converted before the next is read.
     */
    private static Iterator<Tuple2<Long, LabeledSample>> number(Iterator<InternalRow> rows, long firstRow,
            long firstTraining, long firstHeldOut, RowConverter converter, StructType schema, DataDigest digest) {
        DataDigest.Hasher hasher = digest.new Hasher();
        return new Iterator<>() {
            private long row = firstRow;
            private long training = firstTraining;
            private long heldOut = firstHeldOut;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Tuple2<Long, LabeledSample> next() {
                InternalRow next = rows.next();
                // Hashing costs a pass over the bytes; without a hold-out every row trains.
                boolean held = digest.holdsOut() && digest.heldOut(hasher.hash(next));
                long key = held ? heldOut++ : training++;
                return new Tuple2<>(key, converter.convert(next, schema, row++));
            }
        };
    }

    /** Converts a partition of validation rows, keyed from {@code firstKey + firstRow}; errors name validation_data. */
    private static Iterator<Tuple2<Long, LabeledSample>> numberValidation(Iterator<InternalRow> rows, long firstRow,
            long firstKey, RowConverter converter, StructType schema) {
        return new Iterator<>() {
            private long row = firstRow;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Tuple2<Long, LabeledSample> next() {
                long at = row++;
                try {
                    return new Tuple2<>(firstKey + at, converter.convert(rows.next(), schema, at));
                } catch (InvalidDataException e) {
                    throw new InvalidDataException("validation data: " + e.getMessage());
                }
            }
        };
    }
}
