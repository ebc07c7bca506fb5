package dev.phalanx.bench;

import dev.phalanx.engine.plan.CheckpointCadence;
import dev.phalanx.engine.plan.FailureSimulation;
import dev.phalanx.engine.plan.RunAtScale;
import java.util.Locale;

/**
 * The tables of docs/SCALE.md ("Failures at scale"): effective training time of a long run by
 * number of cards, recovery time and checkpoint pause, each at Daly's interval, simulated
 * ({@link FailureSimulation}, mean of 4 runs of 2,000 training hours) beside the first-order
 * formula; and the check against Llama 3's 16,384-GPU run (419 unexpected interruptions in 54 days,
 * more than 90% effective training time).
 */
public final class FailurePlan {

    /** Llama 3: 16,384 GPUs, 419 unexpected interruptions in 54 days. */
    static final double LLAMA3_CARD_MTBF_HOURS = 16_384.0 * 54 * 24 / 419;
    private static final double HOURS = 2_000;
    private static final int SEEDS = 4;

    private FailurePlan() {}

    /** Prints the tables. */
    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "card MTBF from Llama 3: %.0f h (16,384 GPUs fail every %.2f h)%n",
                LLAMA3_CARD_MTBF_HOURS, LLAMA3_CARD_MTBF_HOURS / 16_384);
        System.out.println();
        System.out.println("| cards | run MTBF | recovery (detect + relaunch) | checkpoint pause / write | interval"
                + " (Daly) | effective, simulated | first order |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (long cards : new long[] {1_024, 10_240, 16_384, 100_000}) {
            for (double[] recovery : new double[][] {{120, 480}, {60, 120}, {30, 60}}) {
                for (double[] checkpoint : new double[][] {{30, 120}, {2, 30}}) {
                    row(cards, recovery, checkpoint);
                }
            }
        }
    }

    private static void row(long cards, double[] recovery, double[] checkpoint) {
        RunAtScale run = new RunAtScale(cards, LLAMA3_CARD_MTBF_HOURS, recovery[0], recovery[1], checkpoint[0],
                checkpoint[1], 1);
        double interval = CheckpointCadence.daly(checkpoint[0], run.systemMtbfSeconds());
        RunAtScale planned = run.withCheckpointInterval(interval);
        System.out.printf(Locale.ROOT, "| %,d | %.2f h | %.0f + %.0f s | %.0f / %.0f s | %.0f s | %.1f%% | %.1f%% |%n",
                cards, run.systemMtbfSeconds() / 3600, recovery[0], recovery[1], checkpoint[0], checkpoint[1],
                interval, 100 * FailureSimulation.meanEfficiency(planned, HOURS, SEEDS),
                100 * CheckpointCadence.firstOrderEfficiency(planned));
    }
}
