package dev.phalanx.engine.driver;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.worker.ProgressWire;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Shows the training's epochs and validations in the Spark UI and the History Server, beside the
 * progress listener it wraps. Spark fixes a job's description when the job is submitted, so the
 * running barrier stage cannot show them; instead each epoch's end and each validation posts a job
 * of no tasks — it costs no executor time and cannot wait for the slots the training holds —
 * whose description is that epoch's line, for example {@code Phalanx epoch 2/3 (attempt 1): loss
 * 0.4112, train accuracy 85.20%, 5,400 samples/s}. These jobs are in the application's event log, so
 * a finished run's History Server page lists its epochs.
 */
final class SparkUiProgress implements ProgressWire.Handler {

    private static final Logger LOG = Logger.getLogger(SparkUiProgress.class.getName());

    private final SparkContext sc;
    private final ProgressWire.Handler listener;
    private final int epochs;
    private final int attempt;

    SparkUiProgress(SparkContext sc, ProgressWire.Handler listener, int epochs, int attempt) {
        this.sc = sc;
        this.listener = listener;
        this.epochs = epochs;
        this.attempt = attempt;
    }

    @Override
    public void epoch(EpochMetrics m) {
        listener.epoch(m);
        post(String.format(Locale.ROOT, "Phalanx epoch %d/%d (attempt %d): loss %.4f%s, %,.0f samples/s", m.epoch(),
                epochs, attempt, m.loss(), Double.isNaN(m.accuracy()) ? ""
                        : String.format(Locale.ROOT, ", train accuracy %.2f%%", 100 * m.accuracy()),
                m.samplesPerSecond()));
    }

    @Override
    public void step(StepMetrics m) {
        listener.step(m);
    }

    @Override
    public void validation(Validation v) {
        listener.validation(v);
        post(String.format(Locale.ROOT, "Phalanx validation, epoch %d step %d (attempt %d): loss %.4f%s", v.epoch(),
                v.step(), attempt, v.evaluation().loss(), v.evaluation().objective().classifies()
                        ? String.format(Locale.ROOT, ", accuracy %.2f%%", 100 * v.evaluation().accuracy()) : ""));
    }

    /** Posts a job of no tasks described by {@code description}, from this (the progress) thread. */
    private void post(String description) {
        String before = sc.getLocalProperty("spark.job.description");
        try {
            sc.setLocalProperty("spark.job.description", description);
            new JavaSparkContext(sc).emptyRDD().count();
        } catch (RuntimeException e) {
            // The UI line is a view of the progress, which the listener has had already.
            LOG.log(Level.FINE, "could not show '" + description + "' in the Spark UI", e);
        } finally {
            sc.setLocalProperty("spark.job.description", before);
        }
    }
}
