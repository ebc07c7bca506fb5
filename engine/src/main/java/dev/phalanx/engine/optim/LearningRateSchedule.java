package dev.phalanx.engine.optim;

import java.io.Serializable;
import java.util.List;

/**
 * The learning rate of every step: a linear warm-up from 0 over {@code warmupSteps}, then
 * constant, stepped ({@code gamma} every {@code stepSize} steps) or a cosine decay to 0 at the last
 * step — the factors of Hugging Face's {@code get_*_schedule_with_warmup} and PyTorch's {@code
 * StepLR} on {@code torch.optim.lr_scheduler.LambdaLR}. A function of the global step alone, so it
 * needs no state in checkpoints: a resumed run picks the same rate for the same step.
 *
 * @param kind {@code constant}, {@code step} or {@code cosine}
 * @param base the learning rate after warm-up
 * @param warmupSteps steps of linear warm-up (0: none)
 * @param stepSize for {@code step}: steps between decays
 * @param gamma for {@code step}: the factor of each decay
 */
public record LearningRateSchedule(String kind, float base, long warmupSteps, long stepSize, double gamma)
        implements Serializable {

    /** The kinds there are. */
    public static final List<String> KINDS = List.of("constant", "step", "cosine");

    /** A constant rate, no warm-up. */
    public static LearningRateSchedule constant(float base) {
        return new LearningRateSchedule("constant", base, 0, 0, 1);
    }

    /**
     * Returns the rate of the step after {@code step} steps are done (0 for the first), in a run of
     * {@code totalSteps}.
     */
    public float at(long step, long totalSteps) {
        return (float) (base * factor(step, totalSteps));
    }

    /** The factor of the base rate, in double as LambdaLR's lambda returns it. */
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
