package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * What every network trained by a Phalanx estimator has: the trained parameters and history, the
 * network's spec and sample shape, the features column and image normalisation it reads, and
 * scoring on the executors with DJL — the network built once per partition and fed batches of
 * {@code inferenceBatchSize} rows. Saved with {@code write().save(path)} on any Hadoop file system.
 *
 * @param <M> the model, which the setters return
 */
public abstract class PhalanxModel<M extends PhalanxModel<M>> extends Model<M> implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final ModelData data;
    /** The trained network's spec, with a user's factory; null for a loaded model (the modelName param gives it). */
    private final ModelSpec spec;
    private final Param<String> featuresCol;
    private final Param<String> modelName;
    private final IntArrayParam inputShape;
    private final DoubleArrayParam imageMean;
    private final DoubleArrayParam imageStd;
    private final IntParam inferenceBatchSize;

    PhalanxModel(String uid, ModelData data, ModelSpec spec) {
        this.uid = uid;
        this.data = data;
        this.spec = spec;
        featuresCol = option(TrainingKeys.FEATURES_COL);
        modelName = option(TrainingKeys.MODEL);
        inputShape = option(TrainingKeys.SAMPLE_SHAPE);
        imageMean = option(TrainingKeys.IMAGE_MEAN);
        imageStd = option(TrainingKeys.IMAGE_STD);
        inferenceBatchSize = new IntParam(this, "inferenceBatchSize",
                "rows scored together in one forward pass on an executor", ParamValidators.gtEq(1));
        setDefault(featuresCol, TrainingKeys.FEATURES_COL.defaultValue());
        setDefault(inferenceBatchSize, 256);
    }

    /**
     * The param of a training option the model shares with its estimator, by the same name; only
     * the features column has a default: the rest are facts of the trained network.
     */
    @SuppressWarnings("unchecked")
    final <P extends Param<?>> P option(OptionKey<?> key) {
        return (P) OptionParams.create(this, key);
    }

    @SuppressWarnings("unchecked")
    private M self() {
        return (M) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The trained values and history. */
    final ModelData data() {
        return data;
    }

    /** The spec as trained (with a user's factory), or null for a loaded model. */
    final ModelSpec trainedSpec() {
        return spec;
    }

    /** The features column (default {@code features}). */
    public Param<String> featuresCol() {
        return featuresCol;
    }

    /** The network's spec, as trained: a catalog spec or {@code class:} a factory class. */
    public Param<String> modelName() {
        return modelName;
    }

    /** The shape of one sample, as trained. */
    public IntArrayParam inputShape() {
        return inputShape;
    }

    /** Rows per forward pass when scoring (default 256). */
    public IntParam inferenceBatchSize() {
        return inferenceBatchSize;
    }

    /** Per-channel mean of encoded images (PNG/JPEG bytes), after scaling to [0, 1]. */
    public DoubleArrayParam imageMean() {
        return imageMean;
    }

    /** Per-channel standard deviation of encoded images, after subtracting the mean. */
    public DoubleArrayParam imageStd() {
        return imageStd;
    }

    /** Sets how encoded images are normalised: {@code (x - mean) / std} per channel, x in [0, 1]. */
    public M setImageNormalization(double[] mean, double[] std) {
        set(imageMean, mean).set(imageStd, std);
        return self();
    }

    /** Sets the features column. */
    public M setFeaturesCol(String value) {
        set(featuresCol, value);
        return self();
    }

    /** Sets how many rows are scored together in one forward pass. */
    public M setInferenceBatchSize(int value) {
        set(inferenceBatchSize, value);
        return self();
    }

    /** Returns the network's spec as text. */
    public String getModelName() {
        return getOrDefault(modelName);
    }

    /**
     * Returns the network's spec: as trained, or for a loaded model parsed from its text (a factory
     * class made with its public no-argument constructor).
     */
    public ModelSpec modelSpec() {
        return spec != null ? spec : ModelSpec.parse(getModelName());
    }

    /** Returns the shape of one sample. */
    public int[] getInputShape() {
        return getOrDefault(inputShape).clone();
    }

    /** Returns how many scalar parameters the network has. */
    public int parameterCount() {
        return data.parameters().length;
    }

    /** Returns a copy of the trained parameters, flattened in the network's parameter order. */
    public float[] parameters() {
        return data.parameters().clone();
    }

    /** Returns one entry per training epoch. */
    public List<EpochMetrics> history() {
        return data.history();
    }

    /** Returns the validations taken while training, in order (empty without validation_fraction). */
    public List<Validation> validations() {
        return data.validations();
    }

    /**
     * Returns the validations as a DataFrame — columns {@code epoch}, {@code step}, {@code rows}, then
     * one per metric ({@code loss}, {@code accuracy}, {@code top_k_accuracy}, {@code macro_f1},
     * {@code weighted_f1}; or {@code loss}, {@code mse}, {@code rmse}, {@code mae}, {@code r2}) — for
     * a notebook's validation curve.
     */
    public Dataset<Row> validationFrame() {
        StructType schema = new StructType()
                .add("epoch", DataTypes.IntegerType, false)
                .add("step", DataTypes.LongType, false)
                .add("rows", DataTypes.LongType, false);
        List<String> names = data.validations().isEmpty() ? List.of()
                : List.copyOf(data.validations().get(0).evaluation().metrics().keySet());
        for (String name : names) {
            schema = schema.add(name, DataTypes.DoubleType, false);
        }
        List<Row> rows = new ArrayList<>();
        for (Validation validation : data.validations()) {
            List<Object> values = new ArrayList<>(List.of(validation.epoch(), validation.step(),
                    validation.evaluation().count()));
            values.addAll(validation.evaluation().metrics().values());
            rows.add(RowFactory.create(values.toArray()));
        }
        return SparkSession.active().createDataFrame(rows, schema);
    }

    /**
     * Returns the per-epoch training metrics as a DataFrame — columns {@code epoch}, {@code steps},
     * {@code loss}, {@code accuracy}, {@code samples_per_second}, {@code seconds} — ready for a
     * notebook table or chart.
     */
    public Dataset<Row> historyFrame() {
        StructType schema = new StructType()
                .add("epoch", DataTypes.IntegerType, false)
                .add("steps", DataTypes.LongType, false)
                .add("loss", DataTypes.DoubleType, false)
                .add("accuracy", DataTypes.DoubleType, false)
                .add("samples_per_second", DataTypes.DoubleType, false)
                .add("seconds", DataTypes.DoubleType, false);
        List<Row> rows = new ArrayList<>();
        for (EpochMetrics epoch : data.history()) {
            rows.add(RowFactory.create(epoch.epoch(), epoch.steps(), epoch.loss(), epoch.accuracy(),
                    epoch.samplesPerSecond(), epoch.seconds()));
        }
        return SparkSession.active().createDataFrame(rows, schema);
    }

    /** Scores {@code frame} (whose schema with the outputs appended is {@code output}) on the executors. */
    final Dataset<Row> score(Dataset<Row> frame, StructType output, InputSpec input, Objective objective,
            PredictionColumns outputs) {
        return PartitionScorer.score(frame, output, modelSpec(), input, data.parameters(), getOrDefault(featuresCol),
                optional(imageMean), optional(imageStd), objective, outputs, (Integer) getOrDefault(inferenceBatchSize));
    }

    /** An image normalisation param's value, or null when it is unset or empty. */
    private double[] optional(DoubleArrayParam param) {
        return isDefined(param) && getOrDefault(param).length > 0 ? getOrDefault(param) : null;
    }

    @Override
    public MLWriter write() {
        return StagePersistence.writer(this, data);
    }
}
