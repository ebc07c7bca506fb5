package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * One evaluation of the validation data during training, over all workers.
 *
 * @param epoch the 1-based epoch it was taken in
 * @param step the optimizer steps done when it was taken
 * @param evaluation the metrics
 */
public record Validation(int epoch, long step, Evaluation evaluation) implements Serializable {}
