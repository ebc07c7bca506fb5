package dev.phalanx.launcher;

import dev.phalanx.engine.api.ProgressListener;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Shows progress on the driver's console and records step metrics. On a terminal the step line is
 * rewritten in place and erased before the next epoch or notice line, so what stays on screen is
 * one line per epoch; otherwise (a pipeline's log) each step report is a plain line. A straggler
 * ({@link RankTimings}) gets a notice line when it appears, or when another rank becomes the one.
 */
final class ConsoleProgress implements ProgressListener {

    private final PrintStream out;
    private final int epochs;
    private final MetricsLog metrics;
    private final boolean terminal;
    private long firstStep = -1;
    private long firstNanos;
    /** Characters of the step line now on a terminal's screen, 0 when there is none. */
    private int openLength;
    private RankTimings lastTimings;
    /** Where the scalars also go, or null. */
    private TensorBoardEvents tensorBoard;
    /** The last step reported (a logged step or the steps of the epochs so far), for epoch events. */
    private long lastStep;
    private long epochSteps;
    private int stragglerIntervals;
    /** The straggler last reported, while it stays one; -1 for none. */
    private int reportedStraggler = -1;

    ConsoleProgress(PrintStream out, int epochs, MetricsLog metrics) {
        this(out, epochs, metrics, System.console() != null);
    }

    /** Also records the scalars as TensorBoard events. */
    ConsoleProgress(PrintStream out, int epochs, MetricsLog metrics, TensorBoardEvents tensorBoard) {
        this(out, epochs, metrics, System.console() != null);
        this.tensorBoard = tensorBoard;
    }

    /** As the console would be seen, a terminal or not. */
    ConsoleProgress(PrintStream out, int epochs, MetricsLog metrics, boolean terminal) {
        this.out = out;
        this.epochs = epochs;
        this.metrics = metrics;
        this.terminal = terminal;
    }

    @Override
    public void onStep(StepMetrics m) {
        metrics.append(m);
        lastStep = m.step();
        if (tensorBoard != null) {
            tensorBoard.step(m);
        }
        if (firstStep < 0) {
            firstStep = m.step();
            firstNanos = System.nanoTime();
        }
        String line = String.format(Locale.ROOT, "epoch %d/%d  step %d/%d  loss %.4f  lr %.3g  %,.0f samples/s"
                + "  all-reduce %.2f ms  ETA %s", m.epoch(), epochs, m.step(), m.totalSteps(), m.loss(), m.learningRate(),
                m.samplesPerSecond(), m.allReduceMillis(), eta(m));
        if (terminal) {
            out.print("\r" + line + " ".repeat(Math.max(0, openLength - line.length())));
            openLength = Math.max(openLength, line.length());
        } else {
            out.println(line);
        }
        RankTimings timings = m.timings();
        lastTimings = timings;
        if (timings.straggler()) {
            stragglerIntervals++;
            if (reportedStraggler != timings.slowestRank()) {
                onEvent(timings.describe());
                reportedStraggler = timings.slowestRank();
            }
        } else {
            reportedStraggler = -1;
        }
        out.flush();
    }

    /** The last step report's timings of every rank, or null before the first report. */
    RankTimings lastTimings() {
        return lastTimings;
    }

    /** How many step reports found a straggler. */
    int stragglerIntervals() {
        return stragglerIntervals;
    }

    /** Remaining steps at the pace seen since the first report of this run. */
    private String eta(StepMetrics m) {
        long done = m.step() - firstStep;
        if (done <= 0) {
            return "?";
        }
        double perStep = (System.nanoTime() - firstNanos) / 1e9 / done;
        Duration left = Duration.ofSeconds(Math.round(perStep * (m.totalSteps() - m.step())));
        return String.format(Locale.ROOT, "%d:%02d", left.toMinutes(), left.toSecondsPart());
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        // The epoch's last step: the steps of the epochs seen, or a later logged step after a resume.
        epochSteps += m.steps();
        lastStep = Math.max(lastStep, epochSteps);
        if (tensorBoard != null) {
            tensorBoard.epoch(m, lastStep);
        }
        endLine();
        out.println(String.format(Locale.ROOT,
                "epoch %d/%d  loss %.4f  %s  %,.0f samples/s  %d steps  %.1f s", m.epoch(), epochs, m.loss(),
                // Regression reports no accuracy (NaN): the loss is the mean squared error.
                Double.isNaN(m.accuracy()) ? "(mse)" : String.format(Locale.ROOT, "train accuracy %.2f%%",
                        100 * m.accuracy()), m.samplesPerSecond(), m.steps(), m.seconds()));
        out.flush();
    }

    @Override
    public void onValidation(Validation v) {
        metrics.append(v);
        if (tensorBoard != null) {
            tensorBoard.validation(v);
        }
        endLine();
        Evaluation e = v.evaluation();
        String scores = e.objective().classifies()
                ? String.format(Locale.ROOT, "loss %.4f  accuracy %.2f%%%s  macro F1 %.4f", e.loss(), 100 * e.accuracy(),
                        e.topK() == 0 ? "" : String.format(Locale.ROOT, "  top-%d %.2f%%", e.topK(),
                                100 * e.topKAccuracy()), e.macroF1())
                : String.format(Locale.ROOT, "mse %.6g  rmse %.6g  mae %.6g  R2 %.4f", e.meanSquaredError(),
                        e.rootMeanSquaredError(), e.meanAbsoluteError(), e.r2());
        out.println(String.format(Locale.ROOT, "epoch %d/%d  validation  %s  (%d rows, step %d)", v.epoch(), epochs,
                scores, e.count(), v.step()));
        out.flush();
    }

    @Override
    public void onEvent(String message) {
        endLine();
        out.println("phalanx: " + message);
        out.flush();
    }

    private void endLine() {
        if (openLength > 0) {
            out.print("\r" + " ".repeat(openLength) + "\r");
            openLength = 0;
        }
    }
}
