package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.engine.SparkTestSession;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.junit.jupiter.api.Test;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/** The Spark barrier rendezvous in a real two-task barrier stage. */
class SparkBarrierRendezvousTest {

    @Test
    void everyRankGetsEveryMessageAndLeavesWithoutAnInterruptOrAWakerThread() {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        RDD<String> stage = sc.parallelize(List.of(0, 1), 2).rdd().barrier()
                .mapPartitions(new GatherTask(), false, ClassTag$.MODULE$.apply(String.class));
        String[] reports = (String[]) stage.collect();
        Arrays.sort(reports);
        assertEquals(List.of(
                        "rank 0 got [from 0, from 1], interrupted false, waker alive false",
                        "rank 1 got [from 0, from 1], interrupted false, waker alive false"),
                List.of(reports));
    }

    /** Gathers one message per rank and reports what the task thread is left with. */
    private static final class GatherTask extends AbstractFunction1<Iterator<Integer>, Iterator<String>>
            implements Serializable {

        @Override
        public Iterator<String> apply(Iterator<Integer> rows) {
            BarrierTaskContext context = BarrierTaskContext.get();
            int rank = context.partitionId();
            String[] messages = new SparkBarrierRendezvous(context).allGather("from " + rank);
            boolean interrupted = Thread.currentThread().isInterrupted();
            boolean wakerAlive = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(thread -> thread.getName().equals("phalanx-rendezvous-waker-" + rank));
            String report = "rank " + rank + " got " + Arrays.toString(messages) + ", interrupted " + interrupted
                    + ", waker alive " + wakerAlive;
            return CollectionConverters.asScala(List.of(report).iterator());
        }
    }
}
