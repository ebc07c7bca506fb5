package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.Arrays;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A network trained by {@link PhalanxRegressor}. {@link #transform} scores a DataFrame on the
 * executors with DJL, as {@link PhalanxClassificationModel} does, and appends {@code prediction}:
 * the network's one output as a double. Saved with {@code write().save(path)} and loaded with
 * {@link #load(String)} on any Hadoop file system; its history's loss is the mean squared error.
 */
public final class PhalanxRegressionModel extends PhalanxModel<PhalanxRegressionModel> {

    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;

    PhalanxRegressionModel(String uid, ModelData data, ModelSpec spec) {
        super(uid, data, spec);
        predictionCol = ColumnParams.predictedValueCol(this);
        setDefault(predictionCol, ColumnParams.PREDICTION);
    }

    /** The predicted value column (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** Sets the predicted value column. */
    public PhalanxRegressionModel setPredictionCol(String value) {
        return (PhalanxRegressionModel) set(predictionCol, value);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validateFeatures(schema, getOrDefault(featuresCol()));
        return PredictionColumns.regression(getOrDefault(predictionCol)).appendTo(schema);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        StructType output = transformSchema(frame.schema());
        InputSpec input = new InputSpec(Arrays.stream(getInputShape()).asLongStream().toArray(), 1);
        return score(frame, output, input, Objective.MSE, PredictionColumns.regression(getOrDefault(predictionCol)));
    }

    @Override
    public PhalanxRegressionModel copy(ParamMap extra) {
        PhalanxRegressionModel copy = copyValues(new PhalanxRegressionModel(uid(), data(), trainedSpec()), extra);
        return copy.setParent(parent());
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
