package dev.phalanx.bench;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.data.FashionMnist;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code Phalanx.fit} as a notebook calls it: a SparkSession already running, Fashion-MNIST's
 * training set loaded and cached, then several one-epoch fits of the README's MLP with 2 workers.
 * Prints, per fit, the seconds from {@code fit} to rank 0's first step and when each phase ended
 * ({@link TrainedModel#phaseTimes()}), relative to the call. Usage: {@code StartupBenchmark [FITS]}.
 */
public final class StartupBenchmark {

    private StartupBenchmark() {}

    /** Runs the fits and prints one {@code fit N first_step_s=… phases…} line each. */
    public static void main(String[] args) throws Exception {
        int fits = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        SparkSession spark = SparkSession.builder().master("local[2]").appName("phalanx-startup-bench")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        try {
            Dataset<Row> train = FashionMnist.load(spark, Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.Split.TRAIN, 2)
                    .cache();
            train.count();
            for (int fit = 1; fit <= fits; fit++) {
                long start = System.currentTimeMillis();
                TrainedModel model = Phalanx.fit(train, new TrainingOptions("mlp",
                        new InputSpec(new long[] {1, 28, 28}, 10)).optWorkers(2).optEpochs(1).optBatchSize(128)
                        .optLearningRate(0.05));
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "fit %d first_step_s=%.2f", fit,
                        (model.firstStepEpochMillis() - start) / 1e3));
                for (Map.Entry<String, Long> phase : model.phaseTimes().entrySet()) {
                    line.append(String.format(Locale.ROOT, " %s=%.2f", phase.getKey(),
                            (phase.getValue() - start) / 1e3));
                }
                System.out.println(line);
            }
        } finally {
            spark.stop();
        }
    }
}
