package dev.phalanx.engine.api;

import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.HadoopConf;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.data.Sharding;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.engine.job.StepSplit;
import dev.phalanx.engine.job.TrainingResult;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.model.TorchScriptFamily;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;

/**
 * The outcome of {@link Phalanx#fit}: trained parameters, per-epoch history, and evaluation.
 *
 * <p>With checkpoints the parameters stay where the workers wrote them, in the final checkpoint,
 * and are read from there the first time they are needed ({@link #parameters()}, scoring, export):
 * nothing model-sized passes through Spark to the driver, and a driver that only trains never holds
 * them. Without checkpoints rank 0 returns them with its result, which Spark bounds by {@code
 * spark.driver.maxResultSize} (the preflight refuses a larger model and says to set {@code
 * checkpoint_dir}).
 */
public final class TrainedModel {

    private final ModelSpec model;
    private final InputSpec input;
    private final TrainingResult result;
    private final PhaseTimes times;
    private final double[] imageMean;
    private final double[] imageStd;
    private final Objective objective;
    /** Reads the final checkpoint; null when the result carries the parameters. */
    private final HadoopConf checkpointConf;
    /** The parameters once read; guarded by this. */
    private float[] values;

    TrainedModel(ModelSpec model, InputSpec input, TrainingResult result, PhaseTimes times, double[] imageMean,
            double[] imageStd, Objective objective, HadoopConf checkpointConf) {
        this.checkpointConf = checkpointConf;
        this.times = times;
        this.model = model;
        this.input = input;
        this.result = result;
        this.imageMean = imageMean;
        this.imageStd = imageStd;
        this.objective = objective;
    }

    /** Returns what the model was trained to minimise. */
    public Objective objective() {
        return objective;
    }

    /** Returns the model's spec as text, for example {@code cnn} or {@code class:com.acme.nets.MyNet(hidden=64)}. */
    public String modelName() {
        return model.text();
    }

    /** Returns the model's spec (for a user's factory, with the factory). */
    public ModelSpec model() {
        return model;
    }

    /**
     * Returns a copy of the trained parameters, flattened in the block's parameter order: the last
     * step's, or with early stopping the best validation's ({@link #keptValidation()}).
     */
    public float[] parameters() {
        return values().clone();
    }

    /**
     * The parameters: the result's, or read once from the final checkpoint (its {@code best.bin}
     * with early stopping), without its optimizer state.
     *
     * @throws dev.phalanx.engine.checkpoint.CheckpointException naming the checkpoint if it can no
     *     longer be read
     */
    private synchronized float[] values() {
        if (values == null) {
            if (result.parameters() != null || result.checkpoint() == null) {
                values = result.parameters();
            } else {
                TrainingState state = new CheckpointStore(result.checkpoint(), checkpointConf.get(), 1)
                        .load(result.checkpoint(), 0, 0);
                values = result.kept() >= 0 ? state.best() : state.parameters();
            }
        }
        return values;
    }

    /** Returns one entry per epoch. */
    public List<EpochMetrics> history() {
        return result.history();
    }

    /** Returns every validation taken during training, in order (empty without validation data). */
    public List<Validation> validations() {
        return result.validations();
    }

    /**
     * Returns the validation whose parameters this model holds when early stopping was on: the best
     * one by the watched metric (empty without early stopping, or when no validation was taken).
     */
    public Optional<Validation> keptValidation() {
        return result.kept() < 0 ? Optional.empty() : Optional.of(result.validations().get(result.kept()));
    }

    /** Returns whether early stopping ended training before its last epoch. */
    public boolean stoppedEarly() {
        return result.stoppedEarly();
    }

    /**
     * Returns what every worker trained on, one line per rank, for example {@code rank 1 on host-a:
     * Spark GPU address(es) [1] -> asked DJL for gpu(1)}.
     */
    public List<String> devices() {
        return result.devices();
    }

    /** Returns the number of optimizer steps taken. */
    public long steps() {
        return result.steps();
    }

    /** Returns training samples per second over the run, all workers together. */
    public double samplesPerSecond() {
        return result.samplesPerSecond();
    }

    /** Returns the median time per step and per phase on rank 0, over the steady-state steps. */
    public StepSplit stepSplit() {
        return result.split();
    }

    /** Returns the wall-clock time (ms since the epoch) when rank 0 started its first step. */
    public long firstStepEpochMillis() {
        return result.times().at("first_step");
    }

    /**
     * Returns when each phase of {@code fit} ended, in order, as wall-clock milliseconds since the
     * Unix epoch: {@code fit} (called), {@code sharded} (the job that counts and hashes the rows),
     * {@code model_checked} (the model's layout and the executors' check), {@code stage_launched}
     * (the barrier stage submitted), then rank 0's {@code shard_filled}, {@code connected} (the
     * workers' rendezvous), {@code model_built}, {@code first_step} (its start), {@code
     * training_done}, and {@code trained} (fit returning).
     */
    public Map<String, Long> phaseTimes() {
        return times.marks();
    }

    /** Returns the wall time of the training loop in seconds. */
    public double trainSeconds() {
        return result.trainSeconds();
    }

    /**
     * Saves the trained model in DJL's format into the local directory {@code dir}, as {@code
     * <name>-0000.params}, the name being {@link #artifactName()}. Load it with {@code
     * Model.newInstance(name)}, {@code setBlock} with the catalog's (or the factory's) block for the
     * same input, then {@code load(dir)}.
     */
    public void saveDjl(Path dir) throws IOException {
        try (ModelReplica replica = ModelReplica.withParameters(model, input, values())) {
            replica.saveDjl(dir, artifactName());
        }
    }

    /**
     * Writes a model trained from a TorchScript file ({@code torchscript(path=…)}) back as TorchScript,
     * with the trained values, in eval mode on the CPU: {@code torch.jit.load} reads it.
     *
     * @throws IllegalStateException when the model is not a torchscript one
     */
    public void exportTorchScript(OutputStream out) throws IOException {
        if (!isTorchScript()) {
            throw new IllegalStateException("model '" + model.name() + "' is not a TorchScript module: use saveDjl");
        }
        try (ModelReplica replica = ModelReplica.withParameters(model, input, values())) {
            replica.exportTorchScript(out);
        }
    }

    /** Returns whether the model was loaded from a TorchScript file, so it exports as TorchScript. */
    public boolean isTorchScript() {
        return TorchScriptFamily.is(model);
    }

    /**
     * Returns the name saved files take: the catalog name ({@code cnn}), a user factory's simple
     * class name ({@code MyNet} for {@code class:com.acme.nets.MyNet}), or a TorchScript file's name
     * without its extension ({@code net} for {@code torchscript(path=hdfs://nn/m/net.pt)}), with any character other
     * than letters, digits, {@code .}, {@code _} and {@code -} replaced by {@code _}.
     */
    public String artifactName() {
        String name = model.name();
        if (isTorchScript()) {
            String file = model.stringValue(TorchScriptFamily.PATH);
            name = file.substring(file.lastIndexOf('/') + 1).replaceFirst("\\.[^.]*$", "");
        } else if (name.startsWith("class:")) {
            name = name.substring(name.lastIndexOf('.') + 1);
            name = name.substring(name.lastIndexOf('$') + 1);
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /**
     * Returns the fraction of rows whose label the model predicts (see {@link #evaluate}).
     *
     * @throws IllegalStateException if the model was trained for regression
     * @throws dev.phalanx.engine.data.InvalidDataException naming a bad column or row
     */
    public double accuracy(Dataset<Row> data, String featuresCol, String labelCol) {
        if (!objective.classifies()) {
            throw new IllegalStateException("the model was trained for regression (loss mse): use meanSquaredError");
        }
        return evaluate(data, featuresCol, labelCol).accuracy();
    }

    /**
     * Returns the mean squared error of the model's outputs against the label column (see {@link
     * #evaluate}).
     *
     * @throws IllegalStateException if the model was trained for classification
     * @throws dev.phalanx.engine.data.InvalidDataException naming a bad column or row
     */
    public double meanSquaredError(Dataset<Row> data, String featuresCol, String labelCol) {
        if (objective.classifies()) {
            throw new IllegalStateException("the model was trained for classification (loss cross_entropy): use accuracy");
        }
        return evaluate(data, featuresCol, labelCol).meanSquaredError();
    }

    /**
     * Evaluates the model on {@code data} on the executors, data parallel — each partition builds
     * the network once and scores its rows in batches; only the partitions' sums come back — and
     * returns the metrics: the mean loss; for classification accuracy, top-5 accuracy (with more
     * than 5 classes), per-class and macro/weighted precision, recall and F1; for regression MSE,
     * RMSE, MAE and R².
     *
     * @throws dev.phalanx.engine.data.InvalidDataException naming a bad column or row
     */
    public Evaluation evaluate(Dataset<Row> data, String featuresCol, String labelCol) {
        return evaluate(data, featuresCol, labelCol, Evaluation.DEFAULT_TOP_K);
    }

    /**
     * As {@link #evaluate(Dataset, String, String)}, counting top-{@code topK} accuracy (when the
     * model has more than {@code topK} classes; 0 for none).
     */
    public Evaluation evaluate(Dataset<Row> data, String featuresCol, String labelCol, int topK) {
        ColumnSpec columns = ColumnSpec.of(featuresCol, labelCol, ModelCatalog.inputDomain(model), input, imageMean,
                imageStd, objective);
        SchemaCheck.validate(data.schema(), columns);
        Broadcast<float[]> parameters = JavaSparkContext.fromSparkContext(data.sparkSession().sparkContext())
                .broadcast(values());
        try {
            Dataset<Row> selected = data.select(functions.col(featuresCol), functions.col(labelCol));
            return selected.queryExecution().toRdd().toJavaRDD()
                    .mapPartitions(new PartitionEvaluator(model, input, parameters, columns, Evaluation.topKFor(topK,
                            input.numClasses()), selected.schema()))
                    .fold(Evaluation.empty(objective, input.numClasses(), Evaluation.topKFor(topK, input.numClasses())),
                            Evaluation::plus);
        } finally {
            parameters.destroy();
        }
    }

    /**
     * As {@link #evaluate(Dataset, String, String, int)}, on rows the executors read straight from
     * their files ({@link PositionalRows}, for example {@link
     * dev.phalanx.engine.data.FashionMnist#positional}), in {@code partitions} tasks: no DataFrame
     * is made.
     *
     * @throws dev.phalanx.engine.data.InvalidDataException naming a bad file or row
     */
    public Evaluation evaluate(SparkSession spark, PositionalRows rows, int partitions, int topK) {
        StructField[] fields = rows.schema().fields();
        ColumnSpec columns = ColumnSpec.of(fields[0].name(), fields[1].name(), ModelCatalog.inputDomain(model), input,
                imageMean, imageStd, objective);
        SchemaCheck.validate(rows.schema(), columns);
        Broadcast<float[]> parameters = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(values());
        try {
            PartitionEvaluator evaluator = new PartitionEvaluator(model, input, parameters, columns,
                    Evaluation.topKFor(topK, input.numClasses()), rows.schema());
            return Sharding.read(rows, spark.sparkContext(), columns, partitions, 1)
                    .mapPartitions(evaluator.ofSamples())
                    .fold(Evaluation.empty(objective, input.numClasses(), Evaluation.topKFor(topK, input.numClasses())),
                            Evaluation::plus);
        } finally {
            parameters.destroy();
        }
    }
}
