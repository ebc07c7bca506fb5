package dev.phalanx.engine.optim;

import java.io.Serializable;
import java.util.List;

/**
 * The learning rate of every step: a linear warm-up from 0 over {@code warmupSteps}, then
 * constant, stepped ({@code gamma} every {@code stepSize} steps) or a cosine decay to 0 at the last
 * step — the factors of Hugging Face's {@code get_*_schedule_with_warmup} and PyTorch's {@code
 * StepLR} on {@code torch.optim.lr_scheduler.LambdaLR}; or {@code one_cycle}, PyTorch's {@code
 * OneCycleLR} (see {@link #oneCycle}). A function of the global step alone, so it needs no state in
 * checkpoints: a resumed run picks the same rate for the same step.
 *
 * @param kind {@code constant}, {@code step}, {@code cosine} or {@code one_cycle}
 * @param base the learning rate after warm-up; for {@code one_cycle}, the peak ({@code max_lr})
 * @param warmupSteps steps of linear warm-up (0: none); for {@code one_cycle}, the steps of its
 *     rising phase instead (0: 30% of the run)
 * @param stepSize for {@code step}: steps between decays
 * @param gamma for {@code step}: the factor of each decay
 */
public record LearningRateSchedule(String kind, float base, long warmupSteps, long stepSize, double gamma)
        implements Serializable {

    /** The kinds there are. */
    public static final List<String> KINDS = List.of("constant", "step", "cosine", "one_cycle");

    /** {@code one_cycle}: the rise starts at {@code base / DIV_FACTOR} (OneCycleLR's {@code div_factor}). */
    static final double DIV_FACTOR = 25.0;

    /** {@code one_cycle}: it ends at the start divided by this (OneCycleLR's {@code final_div_factor}). */
    static final double FINAL_DIV_FACTOR = 1e4;

    /** {@code one_cycle} without {@code warmupSteps}: the share of the run that rises (OneCycleLR's default). */
    static final double PCT_START = 0.3;

    /** A constant rate, no warm-up. */
    public static LearningRateSchedule constant(float base) {
        return new LearningRateSchedule("constant", base, 0, 0, 1);
    }

    /**
     * Returns the rate of the step after {@code step} steps are done (0 for the first), in a run of
     * {@code totalSteps}.
     */
    public float at(long step, long totalSteps) {
        if (kind.equals("one_cycle")) {
            return (float) oneCycle(step, totalSteps);
        }
        return (float) (base * factor(step, totalSteps));
    }

    /**
     * {@code one_cycle}'s rate, computed as {@code torch.optim.lr_scheduler.OneCycleLR(optimizer,
     * max_lr=base, total_steps=totalSteps, pct_start, anneal_strategy='cos', div_factor=25,
     * final_div_factor=1e4, three_phase=False)} computes {@code get_last_lr()} after {@code step}
     * calls of {@code scheduler.step()}, in the same double arithmetic: a cosine rise from {@code
     * base/25} to {@code base}, then a cosine fall to {@code base/(25*1e4)} at the last step. The
     * rise ends at step {@code pct_start * totalSteps - 1} (a double, as torch's phase boundary),
     * where {@code pct_start} is {@code warmupSteps / totalSteps} when {@code warmupSteps > 0}
     * (so the rise lasts {@code warmupSteps} steps; more than the run counts as the whole run,
     * where torch would refuse {@code pct_start > 1}) and 0.3 otherwise. The generic linear warm-up
     * does not apply on top: the rise is this schedule's warm-up. Where the rise has no length (its
     * end is step 0), step 0 takes {@code base}, the limit of torch's formula, which divides 0 by 0
     * there.
     *
     * <p>Unlike torch's default {@code cycle_momentum=True}, the momentum (SGD's momentum, Adam's
     * beta1) is not cycled: it stays as set, as with {@code cycle_momentum=False}.
     */
    double oneCycle(long step, long totalSteps) {
        long total = Math.max(1, totalSteps);
        double pctStart = warmupSteps > 0 ? Math.min(1.0, (double) warmupSteps / total) : PCT_START;
        double maxLr = base;
        double initialLr = maxLr / DIV_FACTOR;
        double minLr = initialLr / FINAL_DIV_FACTOR;
        double riseEnd = pctStart * total - 1;
        double lastStep = total - 1;
        if (step <= riseEnd) {
            return riseEnd == 0 ? maxLr : annealCos(initialLr, maxLr, step / riseEnd);
        }
        return annealCos(maxLr, minLr, (step - riseEnd) / (lastStep - riseEnd));
    }

    /** OneCycleLR's {@code _annealing_cos}: from {@code start} to {@code end} as {@code pct} goes from 0 to 1. */
    private static double annealCos(double start, double end, double pct) {
        double cosOut = Math.cos(Math.PI * pct) + 1;
        return end + (start - end) / 2.0 * cosOut;
    }

    /** The factor of the base rate, in double as LambdaLR's lambda returns it (kinds other than one_cycle). */
    double factor(long step, long totalSteps) {
        if (step < warmupSteps) {
            return (double) step / Math.max(1, warmupSteps);
        }
        long after = step - warmupSteps;
        return switch (kind) {
            case "step" -> Math.pow(gamma, after / Math.max(1, stepSize));
            case "cosine" -> {
                double progress = (double) after / Math.max(1, totalSteps - warmupSteps);
                yield Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
            }
            default -> 1.0;
        };
    }
}
