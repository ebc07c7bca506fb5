package dev.phalanx.engine.data;

import org.apache.spark.Dependency;
import org.apache.spark.Partition;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.collection.immutable.Nil$;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The shards of {@link PositionalRows} as an RDD of one partition per worker, with no parent: the
 * task of partition r reads the rows and keeps rank r's, keyed by position. A class of its own
 * rather than {@code parallelize(…).mapPartitionsWithIndex(…)}: Spark cleans such a closure with a
 * bytecode pass that took longer, in a fresh JVM, than reading a Fashion-MNIST shard.
 */
final class PositionalShardRdd extends RDD<Tuple2<Long, LabeledSample>> {

    private static final long serialVersionUID = 1L;
    @SuppressWarnings("unchecked")
    private static final ClassTag<Tuple2<Long, LabeledSample>> TAG =
            (ClassTag<Tuple2<Long, LabeledSample>>) (ClassTag<?>) ClassTag$.MODULE$.apply(Tuple2.class);

    private final PositionalRows rows;
    private final ShardPartitioner partitioner;
    private final RowConverter converter;
    private final StructType schema;

    @SuppressWarnings("unchecked")
    PositionalShardRdd(SparkContext sc, PositionalRows rows, ShardPartitioner partitioner, RowConverter converter) {
        super(sc, (Seq<Dependency<?>>) (Object) Nil$.MODULE$, TAG);
        this.rows = rows;
        this.partitioner = partitioner;
        this.converter = converter;
        this.schema = rows.schema();
    }

    @Override
    public Iterator<Tuple2<Long, LabeledSample>> compute(Partition split, TaskContext context) {
        return CollectionConverters.asScala(Sharding.shardOf(rows, split.index(), partitioner, converter, schema));
    }

    @Override
    public Partition[] getPartitions() {
        Partition[] ranks = new Partition[partitioner.numPartitions()];
        for (int rank = 0; rank < ranks.length; rank++) {
            ranks[rank] = new Rank(rank);
        }
        return ranks;
    }

    /** One worker's partition. */
    private static final class Rank implements Partition {
        private static final long serialVersionUID = 1L;
        private final int index;

        Rank(int index) {
            this.index = index;
        }

        @Override
        public int index() {
            return index;
        }

        // Scala's Partition.equals would call an accessor Java cannot declare; these replace it.
        @Override
        public boolean equals(Object other) {
            return other instanceof Rank rank && rank.index == index;
        }

        @Override
        public int hashCode() {
            return index;
        }
    }
}
