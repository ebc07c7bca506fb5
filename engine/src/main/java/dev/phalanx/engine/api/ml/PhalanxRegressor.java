package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.FeatureDomain;
import dev.phalanx.models.InputSpec;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * A Spark ML {@code Estimator} that trains a network with one output per sample to predict a real
 * label, minimising the mean squared error, data-parallel like {@link PhalanxClassifier}; it returns
 * a {@link PhalanxRegressionModel}. From Scala, with a network of one's own:
 *
 * <pre>{@code
 * val model = new PhalanxRegressor()
 *   .setModel(new MyNet())        // or .setModelName("mlp(hidden=64)")
 *   .setWorkers(2).setEpochs(5).setLearningRate(0.01)
 *   .fit(train)
 * val scored = model.transform(test)   // prediction
 * }</pre>
 *
 * <p>Its training params are {@link PhalanxEstimator}'s ({@code numClasses} is not used: the network
 * has one output); labels are numbers of any numeric type.
 */
public final class PhalanxRegressor extends PhalanxEstimator<PhalanxRegressor, PhalanxRegressionModel>
        implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;

    /** Creates a regressor with a random uid and the defaults of {@link TrainingKeys}. */
    public PhalanxRegressor() {
        this(Identifiable.randomUID("PhalanxRegressor"));
    }

    /** Creates a regressor with the given uid; Spark ML's loader and {@code copy} use this. */
    public PhalanxRegressor(String uid) {
        super(uid);
        predictionCol = own(ColumnParams.predictedValueCol(this));
        setDefault(predictionCol, ColumnParams.PREDICTION);
    }

    /** Predicted value column of the model (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** Sets the model's predicted value column. */
    public PhalanxRegressor setPredictionCol(String value) {
        return (PhalanxRegressor) set(predictionCol, value);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validate(schema, new ColumnSpec(value(TrainingKeys.FEATURES_COL), value(TrainingKeys.LABEL_COL),
                1, 1, FeatureDomain.real(), null, Objective.MSE));
        return PredictionColumns.regression(getOrDefault(predictionCol)).appendTo(schema);
    }

    /**
     * Trains on {@code dataset} and returns the model.
     *
     * @throws InvalidDataException naming the column (and row) for bad data
     * @throws IllegalArgumentException naming the setting for a bad option or too few task slots
     * @throws dev.phalanx.engine.job.TrainingFailedException when training started but failed
     */
    @Override
    public PhalanxRegressionModel fit(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        transformSchema(frame.schema());
        InputSpec input = new InputSpec(
                FrameInput.sampleShape(frame, value(TrainingKeys.FEATURES_COL), value(TrainingKeys.SAMPLE_SHAPE)), 1);
        TrainingOptions options = trainingOptions(input).optLoss(Objective.MSE.key());
        TrainedModel trained = Phalanx.fit(frame, options, progressListener());
        PhalanxRegressionModel model = PhalanxRegressionModel.of(
                ModelData.of(trained), trained.model());
        copyValues(model, ParamMap.empty());
        model.set(model.modelName(), trained.modelName());
        model.set(model.inputShape(), Arrays.stream(input.sampleShape()).mapToInt(Math::toIntExact).toArray());
        return model.setParent(this);
    }

    @Override
    public PhalanxRegressor copy(ParamMap extra) {
        return withNonParams(defaultCopy(extra));
    }

    @Override
    public MLWriter write() {
        return StagePersistence.writer(this, null);
    }

    /** Returns a reader for regressors saved with {@link #write()}; Spark ML's pipeline loader calls it. */
    public static MLReader<PhalanxRegressor> read() {
        return StagePersistence.reader(PhalanxRegressor.class, false,
                (uid, data) -> new PhalanxRegressor(uid));
    }

    /** Loads a regressor saved with {@code write().save(path)}. */
    public static PhalanxRegressor load(String path) {
        return read().load(path);
    }
}
