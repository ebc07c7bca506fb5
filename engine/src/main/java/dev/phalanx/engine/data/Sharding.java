package dev.phalanx.engine.data;

import dev.phalanx.engine.job.DataFingerprint;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/** Turns a DataFrame into the W shards the workers train on, and fingerprints the data on the way. */
public final class Sharding {

    private Sharding() {}

    /**
     * The shards, not yet computed, and the fingerprint of the data they hold.
     *
     * @param samples one partition per worker, each sorted by global position
     * @param fingerprint the rows' count and content hash
     */
    public record Sharded(JavaRDD<LabeledSample> samples, DataFingerprint fingerprint) {}

    /**
     * Selects the two columns, numbers rows in DataFrame order, converts and validates them, and
     * moves them into {@code workers} shards sorted by global position (see {@link
     * ShardPartitioner}). Runs one job now: numbering rows needs each partition's row count, and the
     * pass that counts them also hashes them ({@link DataDigest}) for the fingerprint. The rest runs
     * when the shards are used.
     */
    public static Sharded shard(Dataset<Row> data, ColumnSpec columns, int workers, int localBatch) {
        RowConverter converter = new RowConverter(columns);
        Dataset<Row> selected = data.select(functions.col(columns.featuresCol()), functions.col(columns.labelCol()));
        StructType schema = selected.schema();
        // Spark's internal rows, not Rows: making a Row boxes every element of an array column,
        // which took longer than the rest of sharding.
        JavaRDD<InternalRow> rows = selected.queryExecution().toRdd().toJavaRDD();
        DataDigest digest = new DataDigest(schema);
        List<long[]> partitions = rows.mapPartitions(digest::ofPartition).collect();
        long[] firstPosition = new long[partitions.size()];
        for (int p = 1; p < firstPosition.length; p++) {
            firstPosition[p] = firstPosition[p - 1] + partitions.get(p - 1)[0];
        }
        JavaRDD<Tuple2<Long, LabeledSample>> numbered = rows.mapPartitionsWithIndex(
                (partition, partitionRows) -> number(partitionRows, firstPosition[partition], converter, schema), false);
        JavaRDD<LabeledSample> samples = JavaPairRDD.fromJavaRDD(numbered)
                .repartitionAndSortWithinPartitions(new ShardPartitioner(workers, localBatch))
                .values();
        return new Sharded(samples, DataDigest.combine(partitions));
    }

    /**
     * Converts a partition's rows, numbering them from {@code first}. Each internal row may be
     * reused for the next one, so it is converted before the next is read.
     */
    private static Iterator<Tuple2<Long, LabeledSample>> number(Iterator<InternalRow> rows, long first,
            RowConverter converter, StructType schema) {
        return new Iterator<>() {
            private long position = first;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public Tuple2<Long, LabeledSample> next() {
                long at = position++;
                return new Tuple2<>(at, converter.convert(rows.next(), schema, at));
            }
        };
    }
}
