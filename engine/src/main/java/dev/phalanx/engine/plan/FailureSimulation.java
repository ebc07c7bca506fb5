package dev.phalanx.engine.plan;

import java.util.SplittableRandom;

/**
 * A Monte Carlo simulation of a long run at scale ({@link RunAtScale}): the run trains, pauses for
 * a checkpoint every interval (durable only once written, while training goes on), and fails at
 * exponentially distributed times (mean: the run's MTBF); each failure costs its detection and
 * relaunch and throws away the work since the last durable checkpoint, and a failure during a
 * relaunch starts it again. The result is the share of wall time that became kept training, the
 * "effective training time" of large-run reports.
 */
public final class FailureSimulation {

    /**
     * What one simulated run gave.
     *
     * @param efficiency training time kept / wall time
     * @param failures how many failures it met
     * @param wallHours its wall time
     */
    public record Result(double efficiency, long failures, double wallHours) {}

    private final RunAtScale run;
    private final SplittableRandom random;
    private double wall;
    private double progress;
    private double durable;
    private double pendingProgress;
    private double pendingDurableAt = Double.POSITIVE_INFINITY;
    private double sinceCheckpoint;
    private double nextFailure;
    private long failures;

    private FailureSimulation(RunAtScale run, long seed) {
        this.run = run;
        this.random = new SplittableRandom(seed);
        this.nextFailure = exponential();
    }

    /** Simulates {@code run} until it has kept {@code trainingHours} of training. */
    public static Result simulate(RunAtScale run, double trainingHours, long seed) {
        return new FailureSimulation(run, seed).until(trainingHours * 3600);
    }

    /** The mean efficiency over {@code seeds} simulated runs (seeds 0, 1, …). */
    public static double meanEfficiency(RunAtScale run, double trainingHours, int seeds) {
        double sum = 0;
        for (int seed = 0; seed < seeds; seed++) {
            sum += simulate(run, trainingHours, seed).efficiency();
        }
        return sum / seeds;
    }

    private Result until(double target) {
        double tau = run.checkpointIntervalSeconds();
        double pause = run.checkpointPauseSeconds();
        while (progress < target) {
            double segment = Math.min(tau - sinceCheckpoint, target - progress);
            if (nextFailure < wall + segment) {
                progress += nextFailure - wall;
                fail();
                continue;
            }
            wall += segment;
            progress += segment;
            sinceCheckpoint += segment;
            if (progress >= target) {
                break;
            }
            if (nextFailure < wall + pause) {
                fail();
                continue;
            }
            wall += pause;
            keepPendingIfDurable(wall);
            pendingProgress = progress;
            pendingDurableAt = wall + run.checkpointWriteSeconds();
            sinceCheckpoint = 0;
        }
        return new Result(target / wall, failures, wall / 3600);
    }

    /** A failure at {@link #nextFailure}: back to the last durable checkpoint after the downtime. */
    private void fail() {
        double at = nextFailure;
        failures++;
        keepPendingIfDurable(at);
        pendingDurableAt = Double.POSITIVE_INFINITY;
        progress = durable;
        sinceCheckpoint = 0;
        double downtime = run.detectionSeconds() + run.relaunchSeconds();
        nextFailure = at + exponential();
        wall = at + downtime;
        // A failure before the relaunch completes starts the recovery again.
        while (nextFailure < wall) {
            failures++;
            wall = nextFailure + downtime;
            nextFailure += exponential();
        }
    }

    private void keepPendingIfDurable(double now) {
        if (pendingDurableAt <= now) {
            durable = pendingProgress;
            pendingDurableAt = Double.POSITIVE_INFINITY;
        }
    }

    private double exponential() {
        return -Math.log(1 - random.nextDouble()) * run.systemMtbfSeconds();
    }
}
