package dev.phalanx.bench;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.data.FashionMnist;
import dev.phalanx.engine.data.PositionalRows;
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
 * ({@link TrainedModel#phaseTimes()}), relative to the call ({@code fit N …} lines). Then as many
 * fits of the same rows read by the workers straight from the files ({@code
 * FashionMnist.positional}, {@code files N …} lines). Usage: {@code StartupBenchmark [FITS]}.
 */
public final class StartupBenchmark {

    private StartupBenchmark() {}

    /** Prints {@code KIND N first_step_s=… phases…}, times relative to {@code start}. */
    private static void print(String kind, int fit, long start, TrainedModel model) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%s %d first_step_s=%.2f", kind, fit,
                (model.firstStepEpochMillis() - start) / 1e3));
        for (Map.Entry<String, Long> phase : model.phaseTimes().entrySet()) {
            line.append(String.format(Locale.ROOT, " %s=%.2f", phase.getKey(), (phase.getValue() - start) / 1e3));
        }
        System.out.println(line);
    }

    /** Runs the fits and prints one {@code fit N first_step_s=… phases…} line each. */
    public static void main(String[] args) throws Exception {
        int fits = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        SparkSession spark = SparkSession.builder().master("local[2]").appName("phalanx-startup-bench")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        try {
            Dataset<Row> train = FashionMnist.load(spark, Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.Split.TRAIN, 2)
                    .cache();
            train.count();
            TrainingOptions options = new TrainingOptions("mlp", new InputSpec(new long[] {1, 28, 28}, 10))
                    .optWorkers(2).optEpochs(1).optBatchSize(128).optLearningRate(0.05);
            for (int fit = 1; fit <= fits; fit++) {
                long start = System.currentTimeMillis();
                print("fit", fit, start, Phalanx.fit(train, options));
            }
            PositionalRows files = FashionMnist.positional(Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.Split.TRAIN);
            for (int fit = 1; fit <= fits; fit++) {
                long start = System.currentTimeMillis();
                print("files", fit, start, Phalanx.fit(spark, files, options, metrics -> {}));
            }
        } finally {
            spark.stop();
        }
    }
}
