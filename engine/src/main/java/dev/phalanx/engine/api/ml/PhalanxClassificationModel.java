package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A network trained by {@link PhalanxClassifier}. {@link #transform} scores a DataFrame on the
 * executors with DJL — the network is built once per partition and fed batches of {@code
 * inferenceBatchSize} rows — and appends {@code rawPrediction} (logits), {@code probability}
 * (softmax) and {@code prediction} (class index as a double), like Spark ML's own classifiers.
 *
 * <p>Saved with {@code write().save(path)} and loaded with {@link #load(String)} on any Hadoop
 * file system; also inside a saved {@code PipelineModel}.
 */
public final class PhalanxClassificationModel extends Model<PhalanxClassificationModel> implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final ModelData data;
    /** The trained network's spec, with a user's factory; null for a loaded model (the modelName param gives it). */
    private final ModelSpec spec;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> modelName;
    private final IntArrayParam inputShape;
    private final IntParam numClasses;
    private final DoubleArrayParam imageMean;
    private final DoubleArrayParam imageStd;
    private final IntParam inferenceBatchSize;

    PhalanxClassificationModel(String uid, ModelData data, ModelSpec spec) {
        this.uid = uid;
        this.data = data;
        this.spec = spec;
        featuresCol = option(TrainingKeys.FEATURES_COL);
        predictionCol = ColumnParams.predictionCol(this);
        probabilityCol = ColumnParams.probabilityCol(this);
        rawPredictionCol = ColumnParams.rawPredictionCol(this);
        modelName = option(TrainingKeys.MODEL);
        inputShape = option(TrainingKeys.SAMPLE_SHAPE);
        numClasses = option(TrainingKeys.NUM_CLASSES);
        imageMean = option(TrainingKeys.IMAGE_MEAN);
        imageStd = option(TrainingKeys.IMAGE_STD);
        inferenceBatchSize = new IntParam(this, "inferenceBatchSize",
                "rows scored together in one forward pass on an executor", ParamValidators.gtEq(1));
        setDefault(featuresCol, TrainingKeys.FEATURES_COL.defaultValue());
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
        setDefault(inferenceBatchSize, 256);
    }

    /**
     * The param of a training option the model shares with its estimator, by the same name; only
     * the features column has a default: the rest are facts of the trained network.
     */
    @SuppressWarnings("unchecked")
    private <P extends Param<?>> P option(OptionKey<?> key) {
        return (P) OptionParams.create(this, key);
    }

    @Override
    public String uid() {
        return uid;
    }

    /** The features column (default {@code features}). */
    public Param<String> featuresCol() {
        return featuresCol;
    }

    /** The predicted class column (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** The class probabilities column (default {@code probability}; empty to skip). */
    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    /** The raw scores column (default {@code rawPrediction}; empty to skip). */
    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    /** The network's spec, as trained: a catalog spec or {@code class:} a factory class. */
    public Param<String> modelName() {
        return modelName;
    }

    /** The shape of one sample, as trained. */
    public IntArrayParam inputShape() {
        return inputShape;
    }

    /** The number of classes, as trained. */
    public IntParam numClasses() {
        return numClasses;
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
    public PhalanxClassificationModel setImageNormalization(double[] mean, double[] std) {
        return (PhalanxClassificationModel) set(imageMean, mean).set(imageStd, std);
    }

    /** Sets the features column. */
    public PhalanxClassificationModel setFeaturesCol(String value) {
        return (PhalanxClassificationModel) set(featuresCol, value);
    }

    /** Sets the predicted class column. */
    public PhalanxClassificationModel setPredictionCol(String value) {
        return (PhalanxClassificationModel) set(predictionCol, value);
    }

    /** Sets the class probabilities column; empty to skip it. */
    public PhalanxClassificationModel setProbabilityCol(String value) {
        return (PhalanxClassificationModel) set(probabilityCol, value);
    }

    /** Sets the raw scores column; empty to skip it. */
    public PhalanxClassificationModel setRawPredictionCol(String value) {
        return (PhalanxClassificationModel) set(rawPredictionCol, value);
    }

    /** Sets how many rows are scored together in one forward pass. */
    public PhalanxClassificationModel setInferenceBatchSize(int value) {
        return (PhalanxClassificationModel) set(inferenceBatchSize, value);
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

    /** Returns the number of classes the network tells apart. */
    public int getNumClasses() {
        return (Integer) getOrDefault(numClasses);
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

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validateFeatures(schema, getOrDefault(featuresCol));
        return outputs().appendTo(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        StructType output = transformSchema(frame.schema());
        int[] shape = getInputShape();
        InputSpec input = new InputSpec(Arrays.stream(shape).asLongStream().toArray(), getNumClasses());
        return PartitionScorer.score(frame, output, modelSpec(), input, data.parameters(), getOrDefault(featuresCol),
                optional(imageMean), optional(imageStd), Objective.CROSS_ENTROPY, outputs(),
                (Integer) getOrDefault(inferenceBatchSize));
    }

    /** An image normalisation param's value, or null when it is unset or empty. */
    private double[] optional(DoubleArrayParam param) {
        return isDefined(param) && getOrDefault(param).length > 0 ? getOrDefault(param) : null;
    }

    private PredictionColumns outputs() {
        return new PredictionColumns(getOrDefault(rawPredictionCol), getOrDefault(probabilityCol),
                getOrDefault(predictionCol));
    }

    @Override
    public PhalanxClassificationModel copy(ParamMap extra) {
        PhalanxClassificationModel copy = copyValues(new PhalanxClassificationModel(uid, data, spec), extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return StagePersistence.writer(this, data);
    }

    /** Returns a reader for models saved with {@link #write()}; Spark ML's pipeline loader calls it. */
    public static MLReader<PhalanxClassificationModel> read() {
        return StagePersistence.reader(PhalanxClassificationModel.class, true,
                (uid, data) -> new PhalanxClassificationModel(uid, data, null));
    }

    /** Loads a model saved with {@code write().save(path)} from any Hadoop file system. */
    public static PhalanxClassificationModel load(String path) {
        return read().load(path);
    }

    /** Creates a model around trained data, with a fresh uid; the estimator sets its params. */
    static PhalanxClassificationModel of(ModelData data, ModelSpec spec) {
        return new PhalanxClassificationModel(Identifiable.randomUID("PhalanxClassificationModel"), data, spec);
    }
}
