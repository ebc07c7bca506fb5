package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import java.io.Serializable;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
    void everyRankGetsEveryMessageAndLeavesWithoutAnInterruptOrAHelperThread() {
        String[] reports = (String[]) stage(new GatherTask(false)).collect();
        Arrays.sort(reports);
        assertEquals(List.of(
                        "rank 0 got [from 0, from 1], interrupted false, helpers alive false",
                        "rank 1 got [from 0, from 1], interrupted false, helpers alive false"),
                List.of(reports));
    }

    @Test
    void aRankThatNeverArrivesFailsTheOthersWithinRendezvousTimeoutNamingIt() {
        long start = System.nanoTime();
        Exception failure = assertThrows(Exception.class, () -> stage(new GatherTask(true)).collect());
        long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
        assertTrue(String.valueOf(failure.getMessage()).contains(
                        "rank 0: not every rank reached the rendezvous within rendezvous_timeout = 2s"),
                failure.getMessage());
        // Spark's own bound in this session is 300 s.
        assertTrue(seconds < 30, "failed after " + seconds + " s");
    }

    private static RDD<String> stage(GatherTask task) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
        return sc.parallelize(List.of(0, 1), 2).rdd().barrier()
                .mapPartitions(task, false, ClassTag$.MODULE$.apply(String.class));
    }

    /**
     * Gathers one message per rank and reports what the task thread is left with; with {@code
     * rank1Absent}, rank 1 stays away until Spark kills its task (at most a minute).
     */
    private static final class GatherTask extends AbstractFunction1<Iterator<Integer>, Iterator<String>>
            implements Serializable {

        private final boolean rank1Absent;

        GatherTask(boolean rank1Absent) {
            this.rank1Absent = rank1Absent;
        }

        @Override
        public Iterator<String> apply(Iterator<Integer> rows) {
            BarrierTaskContext context = BarrierTaskContext.get();
            int rank = context.partitionId();
            if (rank1Absent && rank == 1) {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
                while (!context.isInterrupted() && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        break;
                    }
                }
                throw new IllegalStateException("rank 1 stayed away");
            }
            String[] messages = new SparkBarrierRendezvous(context, Duration.ofSeconds(2)).allGather("from " + rank);
            boolean interrupted = Thread.currentThread().isInterrupted();
            boolean helpersAlive = Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(thread -> thread.getName().equals("phalanx-rendezvous-waker-" + rank)
                            || thread.getName().equals("phalanx-rendezvous-watchdog-" + rank));
            String report = "rank " + rank + " got " + Arrays.toString(messages) + ", interrupted " + interrupted
                    + ", helpers alive " + helpersAlive;
            return CollectionConverters.asScala(List.of(report).iterator());
        }
    }
}
