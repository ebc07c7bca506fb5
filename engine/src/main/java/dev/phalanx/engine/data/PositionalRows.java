package dev.phalanx.engine.data;

import java.io.IOException;
import java.io.Serializable;
import java.util.Iterator;
import java.util.function.LongPredicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Training rows that every executor can read for itself, in one fixed order whose length is known
 * before any row is read: a data set in files present on every machine, such as Fashion-MNIST's IDX
 * files. Training from them needs neither the Spark job that counts and numbers a DataFrame's rows
 * nor the shuffle into shards: each worker reads its shard straight from the files ({@link
 * Sharding#shard(PositionalRows, org.apache.spark.SparkContext, ColumnSpec, int, int)}), and the
 * shards, their order and the data's fingerprint are those of {@link #frame}'s DataFrame.
 */
public interface PositionalRows extends Serializable {

    /** Returns the schema of the rows: the features column, then the label column. */
    StructType schema();

    /** Returns how many rows there are, without reading them. */
    long count();

    /**
     * Reads the rows at the positions {@code wanted} accepts, in order, without converting the others
     * (a worker wants only its shard's). Each row is in Spark's binary form ({@link
     * org.apache.spark.sql.catalyst.expressions.UnsafeRow}) and may be reused for the next one, so
     * each is consumed before the next is asked for.
     *
     * @throws IOException when a file cannot be read
     * @throws InvalidDataException naming the file when it is not what was expected
     */
    Iterator<InternalRow> rows(LongPredicate wanted) throws IOException;

    /** Returns the same rows, in the same order, as a DataFrame of {@code partitions} partitions. */
    Dataset<Row> frame(SparkSession spark, int partitions) throws IOException;

    /** Returns a few words naming the rows, for messages, for example {@code Fashion-MNIST train}. */
    String description();
}
