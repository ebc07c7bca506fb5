package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
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
import org.apache.spark.sql.types.StructType;

/**
 * A network trained by {@link PhalanxRegressor}. {@link #transform} scores a DataFrame on the
 * executors with DJL, as {@link PhalanxClassificationModel} does, and appends {@code prediction}:
 * the network's one output as a double. Saved with {@code write().save(path)} and loaded with
 * {@link #load(String)} on any Hadoop file system.
 */
public final class PhalanxRegressionModel extends Model<PhalanxRegressionModel> implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private final ModelData data;
    /** The trained network's spec, with a user's factory; null for a loaded model (the modelName param gives it). */
    private final ModelSpec spec;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> modelName;
    private final IntArrayParam inputShape;
    private final DoubleArrayParam imageMean;
    private final DoubleArrayParam imageStd;
    private final IntParam inferenceBatchSize;

    PhalanxRegressionModel(String uid, ModelData data, ModelSpec spec) {
        this.uid = uid;
        this.data = data;
        this.spec = spec;
        featuresCol = option(TrainingKeys.FEATURES_COL);
        predictionCol = ColumnParams.predictedValueCol(this);
        modelName = option(TrainingKeys.MODEL);
        inputShape = option(TrainingKeys.SAMPLE_SHAPE);
        imageMean = option(TrainingKeys.IMAGE_MEAN);
        imageStd = option(TrainingKeys.IMAGE_STD);
        inferenceBatchSize = new IntParam(this, "inferenceBatchSize",
                "rows scored together in one forward pass on an executor", ParamValidators.gtEq(1));
        setDefault(featuresCol, TrainingKeys.FEATURES_COL.defaultValue());
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(inferenceBatchSize, 256);
    }

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

    /** The predicted value column (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** The network's spec, as trained: a catalog spec or {@code class:} a factory class. */
    public Param<String> modelName() {
        return modelName;
    }

    /** The shape of one sample, as trained. */
    public IntArrayParam inputShape() {
        return inputShape;
    }

    /** Per-channel mean of encoded images (PNG/JPEG bytes), after scaling to [0, 1]. */
    public DoubleArrayParam imageMean() {
        return imageMean;
    }

    /** Per-channel standard deviation of encoded images, after subtracting the mean. */
    public DoubleArrayParam imageStd() {
        return imageStd;
    }

    /** Rows per forward pass when scoring (default 256). */
    public IntParam inferenceBatchSize() {
        return inferenceBatchSize;
    }

    /** Sets the features column. */
    public PhalanxRegressionModel setFeaturesCol(String value) {
        return (PhalanxRegressionModel) set(featuresCol, value);
    }

    /** Sets the predicted value column. */
    public PhalanxRegressionModel setPredictionCol(String value) {
        return (PhalanxRegressionModel) set(predictionCol, value);
    }

    /** Sets how many rows are scored together in one forward pass. */
    public PhalanxRegressionModel setInferenceBatchSize(int value) {
        return (PhalanxRegressionModel) set(inferenceBatchSize, value);
    }

    /** Returns the network's spec as text. */
    public String getModelName() {
        return getOrDefault(modelName);
    }

    /** Returns the network's spec: as trained, or for a loaded model parsed from its text. */
    public ModelSpec modelSpec() {
        return spec != null ? spec : ModelSpec.parse(getModelName());
    }

    /** Returns a copy of the trained parameters, flattened in the network's parameter order. */
    public float[] parameters() {
        return data.parameters().clone();
    }

    /** Returns one entry per training epoch (its {@code loss} is the mean squared error). */
    public List<EpochMetrics> history() {
        return data.history();
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validateFeatures(schema, getOrDefault(featuresCol));
        return PredictionColumns.regression(getOrDefault(predictionCol)).appendTo(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        StructType output = transformSchema(frame.schema());
        InputSpec input = new InputSpec(Arrays.stream(getOrDefault(inputShape)).asLongStream().toArray(), 1);
        return PartitionScorer.score(frame, output, modelSpec(), input, data.parameters(), getOrDefault(featuresCol),
                optional(imageMean), optional(imageStd), Objective.MSE,
                PredictionColumns.regression(getOrDefault(predictionCol)), (Integer) getOrDefault(inferenceBatchSize));
    }

    private double[] optional(DoubleArrayParam param) {
        return isDefined(param) && getOrDefault(param).length > 0 ? getOrDefault(param) : null;
    }

    @Override
    public PhalanxRegressionModel copy(ParamMap extra) {
        PhalanxRegressionModel copy = copyValues(new PhalanxRegressionModel(uid, data, spec), extra);
        return copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return StagePersistence.writer(this, data);
    }

    /** Returns a reader for models saved with {@link #write()}; Spark ML's pipeline loader calls it. */
    public static MLReader<PhalanxRegressionModel> read() {
        return StagePersistence.reader(PhalanxRegressionModel.class, true,
                (uid, data) -> new PhalanxRegressionModel(uid, data, null));
    }

    /** Loads a model saved with {@code write().save(path)} from any Hadoop file system. */
    public static PhalanxRegressionModel load(String path) {
        return read().load(path);
    }

    /** Creates a model around trained data, with a fresh uid; the estimator sets its params. */
    static PhalanxRegressionModel of(ModelData data, ModelSpec spec) {
        return new PhalanxRegressionModel(Identifiable.randomUID("PhalanxRegressionModel"), data, spec);
    }
}
