package dev.phalanx.engine.driver;

import dev.phalanx.engine.collective.CollectiveException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;

/**
 * Records the exceptions of the failed tasks of one job group.
 *
 * <p>Why: when a barrier task fails, Spark aborts the stage with the reason of whichever task it
 * heard from last — often a peer that only lost its connection to the failed worker. To tell the
 * user the real cause, the driver looks at every task failure of the attempt and prefers one that
 * is not a consequential connection loss.
 */
final class TaskFailureListener extends SparkListener {

    private static final String JOB_GROUP = "spark.jobGroup.id";

    private final String jobGroup;
    private final Set<Integer> stages = new HashSet<>();
    private final Set<Integer> jobs = new HashSet<>();
    private final List<ExceptionFailure> failures = new ArrayList<>();
    private int runningTasks;
    private boolean jobEnded;

    TaskFailureListener(String jobGroup) {
        this.jobGroup = jobGroup;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        if (start.properties() != null && jobGroup.equals(start.properties().getProperty(JOB_GROUP))) {
            jobs.add(start.jobId());
            start.stageIds().foreach(id -> stages.add((Integer) id));
        }
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart start) {
        if (stages.contains(start.stageId())) {
            runningTasks++;
        }
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        if (!stages.contains(end.stageId())) {
            return;
        }
        runningTasks--;
        if (end.reason() instanceof ExceptionFailure failure) {
            failures.add(failure);
        }
        notifyAll();
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        if (jobs.contains(end.jobId())) {
            jobEnded = true;
            notifyAll();
        }
    }

    /**
     * Returns the most telling failure as {@code "class: message"}, or null if none was seen.
     * Waits up to {@code waitMillis} for Spark's asynchronous listener bus to deliver the end of
     * the job and of all its tasks: the failed stage's other tasks end after the job is aborted.
     */
    synchronized String rootCause(long waitMillis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(waitMillis);
        try {
            while (!(jobEnded && runningTasks <= 0)) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                wait(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ExceptionFailure chosen = null;
        for (ExceptionFailure failure : failures) {
            if (!failure.className().equals(CollectiveException.class.getName())) {
                chosen = failure;
                break;
            }
        }
        if (chosen == null && !failures.isEmpty()) {
            chosen = failures.get(0);
        }
        return chosen == null ? null : chosen.className() + ": " + chosen.description();
    }
}
