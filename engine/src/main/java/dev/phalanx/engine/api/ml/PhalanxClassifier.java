package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.SchemaCheck;
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
 * A Spark ML {@code Estimator} that trains a network from Phalanx's model catalog data-parallel on
 * the DataFrame — one barrier stage of {@code workers} tasks averaging gradients every step — and
 * returns a {@link PhalanxClassificationModel}. From Scala:
 *
 * <pre>{@code
 * val model = new PhalanxClassifier()
 *   .setModelName("cnn").setInputShape(Array(1, 28, 28))
 *   .setWorkers(2).setEpochs(3).setBatchSize(128)
 *   .fit(train)
 * val scored = model.transform(test)   // rawPrediction, probability, prediction
 * }</pre>
 *
 * <p>Its training params are {@link PhalanxEstimator}'s, one per training option; its own are the
 * model's output columns. Features are a numeric array or an ML Vector (for example from a {@code
 * VectorAssembler}); labels are whole-number class indices of any numeric type. When {@code
 * inputShape} is empty the sample is a flat vector of the features' length; when {@code
 * numClasses} is 0 it is one more than the largest label. With a {@code checkpointDir}, a second
 * {@code fit} with the same settings and more epochs continues where the first stopped.
 */
public final class PhalanxClassifier extends PhalanxEstimator<PhalanxClassifier, PhalanxClassificationModel>
        implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;

    /** Creates a classifier with a random uid and the defaults of {@link TrainingKeys}. */
    public PhalanxClassifier() {
        this(Identifiable.randomUID("PhalanxClassifier"));
    }

    /** Creates a classifier with the given uid; Spark ML's loader and {@code copy} use this. */
    public PhalanxClassifier(String uid) {
        super(uid);
        predictionCol = own(ColumnParams.predictionCol(this));
        probabilityCol = own(ColumnParams.probabilityCol(this));
        rawPredictionCol = own(ColumnParams.rawPredictionCol(this));
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
    }

    /** Predicted class column of the model (default {@code prediction}). */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /** Class probabilities column of the model (default {@code probability}). */
    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    /** Raw scores column of the model (default {@code rawPrediction}). */
    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    /** Sets the model's predicted class column. */
    public PhalanxClassifier setPredictionCol(String value) {
        return (PhalanxClassifier) set(predictionCol, value);
    }

    /** Sets the model's class probabilities column; empty to skip it. */
    public PhalanxClassifier setProbabilityCol(String value) {
        return (PhalanxClassifier) set(probabilityCol, value);
    }

    /** Sets the model's raw scores column; empty to skip it. */
    public PhalanxClassifier setRawPredictionCol(String value) {
        return (PhalanxClassifier) set(rawPredictionCol, value);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validate(schema, new ColumnSpec(value(TrainingKeys.FEATURES_COL), value(TrainingKeys.LABEL_COL),
                1, 1));
        return new PredictionColumns(getOrDefault(rawPredictionCol), getOrDefault(probabilityCol),
                getOrDefault(predictionCol)).appendTo(schema);
    }

    /**
     * Trains on {@code dataset} and returns the model.
     *
     * @throws InvalidDataException naming the column (and row) for bad data
     * @throws IllegalArgumentException naming the setting for a bad option or too few task slots
     * @throws dev.phalanx.engine.job.TrainingFailedException when training started but failed
     */
    @Override
    public PhalanxClassificationModel fit(Dataset<?> dataset) {
        Dataset<Row> frame = dataset.toDF();
        transformSchema(frame.schema());
        InputSpec input = new InputSpec(
                FrameInput.sampleShape(frame, value(TrainingKeys.FEATURES_COL), value(TrainingKeys.SAMPLE_SHAPE)),
                FrameInput.classes(frame, value(TrainingKeys.LABEL_COL), value(TrainingKeys.NUM_CLASSES)));
        TrainedModel trained = Phalanx.fit(frame, trainingOptions(input), progressListener());
        PhalanxClassificationModel model = PhalanxClassificationModel.of(
                ModelData.of(trained), trained.model());
        copyValues(model, ParamMap.empty());
        // What the network is, is a fact of the trained model, not a default: record it explicitly.
        model.set(model.modelName(), trained.modelName());
        model.set(model.inputShape(), Arrays.stream(input.sampleShape()).mapToInt(Math::toIntExact).toArray());
        model.set(model.numClasses(), input.numClasses());
        return model.setParent(this);
    }

    @Override
    public PhalanxClassifier copy(ParamMap extra) {
        return withNonParams(defaultCopy(extra));
    }

    @Override
    public MLWriter write() {
        return StagePersistence.writer(this, null);
    }

    /** Returns a reader for classifiers saved with {@link #write()}; Spark ML's pipeline loader calls it. */
    public static MLReader<PhalanxClassifier> read() {
        return StagePersistence.reader(PhalanxClassifier.class, false,
                (uid, data) -> new PhalanxClassifier(uid));
    }

    /** Loads a classifier saved with {@code write().save(path)}. */
    public static PhalanxClassifier load(String path) {
        return read().load(path);
    }
}
