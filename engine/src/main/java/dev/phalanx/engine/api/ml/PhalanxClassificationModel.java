package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.Arrays;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
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
public final class PhalanxClassificationModel extends PhalanxModel<PhalanxClassificationModel> {

    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final IntParam numClasses;

    PhalanxClassificationModel(String uid, ModelData data, ModelSpec spec) {
        super(uid, data, spec);
        predictionCol = ColumnParams.predictionCol(this);
        probabilityCol = ColumnParams.probabilityCol(this);
        rawPredictionCol = ColumnParams.rawPredictionCol(this);
        numClasses = option(TrainingKeys.NUM_CLASSES);
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
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

    /** The number of classes, as trained. */
    public IntParam numClasses() {
        return numClasses;
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

    /** Returns the number of classes the network tells apart. */
    public int getNumClasses() {
        return (Integer) getOrDefault(numClasses);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validateFeatures(schema, getOrDefault(featuresCol()));
        return outputs().appendTo(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        StructType output = transformSchema(frame.schema());
        InputSpec input = new InputSpec(Arrays.stream(getInputShape()).asLongStream().toArray(), getNumClasses());
        return score(frame, output, input, Objective.CROSS_ENTROPY, outputs());
    }

    private PredictionColumns outputs() {
        return new PredictionColumns(getOrDefault(rawPredictionCol), getOrDefault(probabilityCol),
                getOrDefault(predictionCol));
    }

    @Override
    public PhalanxClassificationModel copy(ParamMap extra) {
        PhalanxClassificationModel copy = copyValues(new PhalanxClassificationModel(uid(), data(), trainedSpec()), extra);
        return copy.setParent(parent());
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
