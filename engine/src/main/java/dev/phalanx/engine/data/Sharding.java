package dev.phalanx.engine.data;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
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
        return data.select(functions.col(columns.featuresCol()), functions.col(columns.labelCol()))
                .javaRDD()
                .zipWithIndex()
                .mapToPair(rowAndIndex -> new Tuple2<>(
                        rowAndIndex._2(), converter.convert(rowAndIndex._1(), rowAndIndex._2())))
                .repartitionAndSortWithinPartitions(new ShardPartitioner(workers, localBatch))
                .values();
    }
}
