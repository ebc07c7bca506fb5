package dev.phalanx.engine.optim;

import java.io.Serializable;
import java.util.List;

/**
 * A copy of an optimizer's state, enough to continue exactly where it stopped.
 *
 * @param name the optimizer's name, for example {@code "adam"}
 * @param steps how many updates it has applied
 * @param buffers its per-parameter arrays (momentum, moments), each as long as the parameters
 */
public record OptimizerState(String name, long steps, List<float[]> buffers) implements Serializable {}
