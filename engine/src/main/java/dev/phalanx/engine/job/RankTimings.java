package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Where the workers' step time went over one logged interval, gathered from every rank: the
 * slowest rank by the time it is busy per step (its data plus its compute), the median rank's busy
 * time, and the step time's median and 99th percentile. In data-parallel training every rank waits
 * for the slowest in the all-reduce, so one slow executor slows all: a rank markedly busier than
 * the median is a straggler.
 *
 * @param slowestRank the rank busiest per step
 * @param slowestHost its executor's host
 * @param slowestDataMillis its mean time per step gathering the batch
 * @param slowestComputeMillis its mean time per step in forward, backward, gradients and optimizer
 * @param slowestWaitMillis its mean time per step in the collectives (waiting for the others included)
 * @param medianBusyMillis the median over ranks of data plus compute per step
 * @param stepP50Millis the median step time over all ranks' steps of the interval
 * @param stepP99Millis their 99th percentile
 * @param straggler whether the slowest rank is a straggler ({@link #isStraggler})
 */
public record RankTimings(int slowestRank, String slowestHost, double slowestDataMillis, double slowestComputeMillis,
        double slowestWaitMillis, double medianBusyMillis, double stepP50Millis, double stepP99Millis,
        boolean straggler) implements Serializable {

    /** How much busier than the median rank the slowest must be to count as a straggler. */
    public static final double STRAGGLER_RATIO = 1.5;
    /** And by at least this much per step, so that sub-millisecond noise is not reported. */
    public static final double STRAGGLER_MIN_MILLIS = 2.0;

    /**
     * One rank's timing over an interval.
     *
     * @param rank the rank
     * @param host its executor's host
     * @param dataMillis mean time per step gathering the batch
     * @param computeMillis mean time per step in forward, backward, gradients and optimizer
     * @param waitMillis mean time per step in the collectives
     * @param stepMillis each step's time, in order
     */
    public record Rank(int rank, String host, double dataMillis, double computeMillis, double waitMillis,
            double[] stepMillis) {

        /** Data plus compute: the time the rank is busy per step, not waiting for the others. */
        public double busyMillis() {
            return dataMillis + computeMillis;
        }
    }

    /** Returns the interval's timings from every rank's (in any order, at least one). */
    public static RankTimings of(List<Rank> ranks) {
        Rank slowest = ranks.stream().max(Comparator.comparingDouble(Rank::busyMillis)
                .thenComparing(Rank::rank, Comparator.reverseOrder())).orElseThrow();
        double[] busy = ranks.stream().mapToDouble(Rank::busyMillis).sorted().toArray();
        double median = percentile(busy, 50);
        double[] steps = ranks.stream().flatMapToDouble(rank -> Arrays.stream(rank.stepMillis())).sorted().toArray();
        return new RankTimings(slowest.rank(), slowest.host(), slowest.dataMillis(), slowest.computeMillis(),
                slowest.waitMillis(), median, percentile(steps, 50), percentile(steps, 99),
                isStraggler(slowest.busyMillis(), median));
    }

    /** Whether a rank busy {@code busy} ms per step is a straggler beside a median of {@code median}. */
    public static boolean isStraggler(double busy, double median) {
        return busy > STRAGGLER_RATIO * median && busy - median >= STRAGGLER_MIN_MILLIS;
    }

    /** The slowest rank's busy time per step. */
    public double slowestBusyMillis() {
        return slowestDataMillis + slowestComputeMillis;
    }

    /** One line about the straggler, for the console. */
    public String describe() {
        return String.format(Locale.ROOT, "straggler: rank %d on %s is busy %.1f ms per step (data %.1f, compute %.1f)"
                + " against a median of %.1f ms; the other ranks wait for it in the all-reduce", slowestRank,
                slowestHost, slowestBusyMillis(), slowestDataMillis, slowestComputeMillis, medianBusyMillis);
    }

    /** The nearest-rank percentile {@code p} of sorted {@code values}; 0 for none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
