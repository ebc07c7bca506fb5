package dev.phalanx.engine.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/** Turns a DataFrame into the W shards the workers train on. */
public final class Sharding {

    private Sharding() {}

    /**
     * Selects the two columns, numbers rows in DataFrame order, converts and validates them, and
     * moves them into {@code workers} shards sorted by global position (see {@link
     * ShardPartitioner}). Nothing runs until the result is used.
     */
    public static JavaRDD<LabeledSample> shard(Dataset<Row> data, ColumnSpec columns, int workers, int localBatch) {
        RowConverter converter = new RowConverter(columns);
        Dataset<Row> selected = data.select(functions.col(columns.featuresCol()), functions.col(columns.labelCol()));
        StructType schema = selected.schema();
        // Spark's internal rows, not Rows: making a Row boxes every element of an array column,
        // which took longer than the rest of sharding. Each internal row may be reused for the next
        // one, so it is converted before the next is read (the map below runs row by row).
        return selected.queryExecution().toRdd().toJavaRDD()
                .zipWithIndex()
                .mapToPair(rowAndIndex -> new Tuple2<>(
                        rowAndIndex._2(), converter.convert(rowAndIndex._1(), schema, rowAndIndex._2())))
                .repartitionAndSortWithinPartitions(new ShardPartitioner(workers, localBatch))
                .values();
    }
}
