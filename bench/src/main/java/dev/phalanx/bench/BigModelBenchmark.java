package dev.phalanx.bench;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.ProgressListener;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.models.InputSpec;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The driver of bench/bigmodel.sh: trains {@code mlp(hidden=H)} on 784 inputs and 10 classes (H =
 * 31000 gives 505 million parameters) with Adam and 2 workers, checkpointing every 5 steps, on
 * whatever master it is given ({@code local-cluster[2,1,M]} in the script, so the workers are JVMs
 * of their own and this JVM's heap is the driver's alone). Prints a line per step with the time,
 * the driver's events, and at the end the driver's peak heap.
 *
 * <p>Usage: {@code BigModelBenchmark train MASTER HIDDEN SHARDED CHECKPOINT_DIR} or {@code
 * BigModelBenchmark verify CHECKPOINT_DIR} (times the verification of the newest checkpoint, as a
 * resuming driver runs it, and prints the heap it took).
 */
public final class BigModelBenchmark {

    private static final int ROWS = 80;
    private static final int FEATURES = 784;

    private BigModelBenchmark() {}

    /** Runs one training or one verification and prints {@code key=value} lines. */
    public static void main(String[] args) {
        if (args[0].equals("verify")) {
            verify(args[1]);
            return;
        }
        String master = args[1];
        int hidden = Integer.parseInt(args[2]);
        boolean sharded = Boolean.parseBoolean(args[3]);
        String checkpointDir = args[4];
        SparkSession spark = SparkSession.builder().master(master).appName("phalanx-big-model-bench")
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate();
        try {
            long start = System.nanoTime();
            TrainingOptions options = new TrainingOptions("mlp(hidden=" + hidden + ")",
                    new InputSpec(new long[] {FEATURES}, 10)).optWorkers(2).optBatchSize(16).optEpochs(2)
                    .optOptimizer("adam").optLearningRate(1e-4).optSeed(7).optShuffle(false)
                    .optOptimizerSharding(sharded).optCheckpointDir(checkpointDir).optCheckpointEverySteps(5)
                    .optCheckpointTimeout(java.time.Duration.ofMinutes(10)).optLogEverySteps(1)
                    .optSlotWaitTimeout(java.time.Duration.ofMinutes(3))
                    .optCollectiveTimeout(java.time.Duration.ofMinutes(5));
            TrainedModel model = Phalanx.fit(data(spark), options, new ProgressListener() {
                @Override
                public void onEpoch(EpochMetrics metrics) {
                    System.out.printf(Locale.ROOT, "epoch %d at %.1f s%n", metrics.epoch(),
                            (System.nanoTime() - start) / 1e9);
                }

                @Override
                public void onStep(StepMetrics metrics) {
                    System.out.printf(Locale.ROOT, "step %d at %.1f s: loss %.4f, %.2f s/step%n", metrics.step(),
                            (System.nanoTime() - start) / 1e9, metrics.loss(),
                            16 / metrics.samplesPerSecond());
                }

                @Override
                public void onEvent(String message) {
                    System.out.println("event: " + message);
                }
            });
            System.out.printf(Locale.ROOT, "done steps=%d wall_s=%.1f step_median_ms=%.0f all_reduce_ms=%.0f"
                    + " optimizer_ms=%.0f driver_heap_peak_mib=%d%n", model.steps(), (System.nanoTime() - start) / 1e9,
                    model.stepSplit().step(), model.stepSplit().allReduce(), model.stepSplit().optimizer(),
                    heapPeakMib());
        } finally {
            spark.stop();
        }
    }

    private static void verify(String checkpointDir) {
        CheckpointStore store = new CheckpointStore(checkpointDir, new Configuration(), 3);
        long start = System.nanoTime();
        CheckpointInfo newest = store.newestValid().orElseThrow();
        System.out.printf(Locale.ROOT, "verify %s valid=%s bytes=%d verify_s=%.1f driver_heap_peak_mib=%d%n",
                newest.name(), newest.valid(), newest.bytes(), (System.nanoTime() - start) / 1e9, heapPeakMib());
    }

    /** 80 rows of 784 random features, labelled by the largest of the first ten. */
    private static Dataset<Row> data(SparkSession spark) {
        SplittableRandom random = new SplittableRandom(3);
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < ROWS; r++) {
            Float[] features = new Float[FEATURES];
            int best = 0;
            for (int i = 0; i < FEATURES; i++) {
                features[i] = (float) random.nextDouble();
                if (i < 10 && features[i] > features[best]) {
                    best = i;
                }
            }
            rows.add(RowFactory.create(features, best));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(rows, schema).coalesce(1);
    }

    /** The sum of the heap pools' peak use since the JVM started, in MiB. */
    private static long heapPeakMib() {
        long bytes = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                bytes += pool.getPeakUsage().getUsed();
            }
        }
        return bytes >> 20;
    }
}
