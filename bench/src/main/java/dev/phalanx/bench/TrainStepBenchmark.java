package dev.phalanx.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.model.PyTorchEngine;
import dev.phalanx.engine.job.StepSplit;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Training-step benchmark on Fashion-MNIST-shaped data (1x28x28, 10 classes), the Java side of
 * bench/train.sh; same models, batch, threads and SGD-momentum as {@code shared/peers/torch_step.py}.
 *
 * <ul>
 *   <li>{@code djl MODEL BATCH THREADS STEPS}: DJL alone, its own Trainer, one process;
 *   <li>{@code phalanx WORKERS MODEL GLOBAL_BATCH STEPS [TASK_CPUS]}: Phalanx in a Spark {@code
 *       local[W * TASK_CPUS]} barrier stage with {@code spark.task.cpus = TASK_CPUS} (default 1),
 *       so each worker computes with that many PyTorch threads, with the split of a step and the
 *       time from the fit call to the first step.
 * </ul>
 * Both print median ms/step over the second half of the steps and samples/s.
 */
public final class TrainStepBenchmark {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    private TrainStepBenchmark() {}

    /** Runs one mode; see the class comment. */
    public static void main(String[] args) throws Exception {
        if (args[0].equals("djl")) {
            djl(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } else {
            phalanx(Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    args.length > 5 ? Integer.parseInt(args[5]) : 1);
        }
    }

    private static void djl(String name, int batch, int threads, int steps) {
        PyTorchEngine.get();
        JniUtils.setNumThreads(threads);
        try (Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            model.setBlock(ModelCatalog.build(name, IMAGES));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.05f)).optMomentum(0.9f).build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(IMAGES.batchShape(batch));
                NDArray x = manager.randomUniform(0, 1, IMAGES.batchShape(batch));
                NDArray y = manager.randomInteger(0, 10, new Shape(batch), DataType.INT64);
                double[] times = new double[steps];
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    // A step's intermediate arrays belong to its inputs' manager; attaching the
                    // inputs to a per-step manager frees them when the step ends, as DJL's
                    // EasyTrain does by closing each Batch. Without it every step's activations
                    // stayed alive until the end and each step faulted in fresh memory.
                    try (NDManager step = manager.newSubManager()) {
                        x.tempAttach(step);
                        y.tempAttach(step);
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDList predictions = trainer.forward(new NDList(x));
                            NDArray loss = trainer.getLoss().evaluate(new NDList(y), predictions);
                            collector.backward(loss);
                        }
                        trainer.step();
                    }
                    times[i] = (System.nanoTime() - t0) / 1e6;
                }
                double ms = median(Arrays.copyOfRange(times, steps / 2, steps));
                System.out.printf(Locale.ROOT, "djl model=%s batch=%d threads=%d median_ms_per_step=%.3f samples_per_s=%.1f%n",
                        name, batch, threads, ms, batch / ms * 1000);
            }
        }
    }

    private static void phalanx(int workers, String name, int globalBatch, int steps, int taskCpus) {
        SparkSession spark = SparkSession.builder().master("local[" + workers * taskCpus + "]").appName("phalanx-bench")
                .config("spark.task.cpus", Integer.toString(taskCpus))
                .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                .config("spark.barrier.sync.timeout", "600s").getOrCreate();
        try {
            Dataset<Row> data = randomImages(spark, globalBatch * steps);
            data.count();
            long fitStart = System.currentTimeMillis();
            TrainedModel model = Phalanx.fit(data, new TrainingOptions(name, IMAGES).optWorkers(workers)
                    .optBatchSize(globalBatch).optEpochs(1).optShuffle(false).optLearningRate(0.05)
                    .optLogEverySteps(0));
            StepSplit s = model.stepSplit();
            System.out.printf(Locale.ROOT, "phalanx world=%d model=%s global_batch=%d median_ms_per_step=%.3f"
                    + " samples_per_s=%.1f data_ms=%.3f fwd_bwd_ms=%.3f grad_out_ms=%.3f allreduce_ms=%.3f"
                    + " optimizer_ms=%.3f fit_to_first_step_s=%.2f%n", workers, name, globalBatch, s.step(),
                    globalBatch / s.step() * 1000, s.data(), s.forwardBackward(), s.gradientsOut(), s.allReduce(),
                    s.optimizer(), (model.firstStepEpochMillis() - fitStart) / 1000.0);
        } finally {
            spark.stop();
        }
    }

    private static Dataset<Row> randomImages(SparkSession spark, int rows) {
        SplittableRandom random = new SplittableRandom(1);
        List<Row> list = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            float[] pixels = new float[784];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextDouble();
            }
            list.add(RowFactory.create(pixels, random.nextInt(10)));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(list, schema);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
