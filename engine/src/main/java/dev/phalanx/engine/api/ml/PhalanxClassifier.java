package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.ProgressListener;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.LabelCount;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.models.InputSpec;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.DoubleArrayParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.StructField;
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
 * <p>Features are a numeric array or an ML Vector (for example from a {@code VectorAssembler});
 * labels are whole-number class indices of any numeric type. When {@code inputShape} is unset the
 * sample is a flat vector of the features' length; when {@code numClasses} is 0 it is one more
 * than the largest label. With a {@code checkpointDir}, a second {@code fit} with the same settings
 * and more epochs continues where the first stopped.
 */
public final class PhalanxClassifier extends Estimator<PhalanxClassificationModel> implements MLWritable {

    private static final long serialVersionUID = 1L;

    private final String uid;
    private transient ProgressListener listener = metrics -> {};
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> modelName;
    private final IntArrayParam inputShape;
    private final IntParam numClasses;
    private final DoubleArrayParam imageMean;
    private final DoubleArrayParam imageStd;
    private final IntParam workers;
    private final IntParam epochs;
    private final IntParam batchSize;
    private final DoubleParam learningRate;
    private final DoubleParam momentum;
    private final Param<String> optimizer;
    private final Param<String> gradientCompression;
    private final LongParam seed;
    private final BooleanParam shuffle;
    private final IntParam threadsPerWorker;
    private final IntParam gpusPerWorker;
    private final LongParam shardMemoryBudget;
    private final BooleanParam gpuFallbackToCpu;
    private final Param<String> checkpointDir;
    private final LongParam checkpointEverySteps;
    private final IntParam keepCheckpoints;
    private final IntParam maxAttempts;

    /** Creates a classifier with a random uid and the defaults of {@link TrainingOptions}. */
    public PhalanxClassifier() {
        this(Identifiable.randomUID("PhalanxClassifier"));
    }

    /** Creates a classifier with the given uid; Spark ML's loader and {@code copy} use this. */
    public PhalanxClassifier(String uid) {
        this.uid = uid;
        featuresCol = ColumnParams.featuresCol(this);
        labelCol = new Param<>(this, "labelCol", "label column: whole-number class indices, any numeric type");
        predictionCol = ColumnParams.predictionCol(this);
        probabilityCol = ColumnParams.probabilityCol(this);
        rawPredictionCol = ColumnParams.rawPredictionCol(this);
        modelName = ColumnParams.modelName(this);
        inputShape = ColumnParams.inputShape(this);
        numClasses = ColumnParams.numClasses(this);
        imageMean = ColumnParams.imageMean(this);
        imageStd = ColumnParams.imageStd(this);
        workers = new IntParam(this, "workers", "training tasks, one model replica each", ParamValidators.gtEq(1));
        epochs = new IntParam(this, "epochs", "passes over the training data", ParamValidators.gtEq(1));
        batchSize = new IntParam(this, "batchSize", "global batch, split evenly over the workers",
                ParamValidators.gtEq(1));
        learningRate = new DoubleParam(this, "learningRate", "optimizer step size", ParamValidators.gt(0));
        momentum = new DoubleParam(this, "momentum", "SGD momentum", ParamValidators.inRange(0, 1, true, false));
        optimizer = new Param<>(this, "optimizer", "sgd (with momentum) or adam");
        gradientCompression = new Param<>(this, "gradientCompression",
                "how gradients travel between workers: none (float32) or bf16 (bfloat16, half the bytes)");
        seed = new LongParam(this, "seed", "seed of the initial weights and the per-epoch shuffle");
        shuffle = new BooleanParam(this, "shuffle", "reshuffle the samples every epoch");
        threadsPerWorker = new IntParam(this, "threadsPerWorker",
                "PyTorch threads per worker; 0 = the CPUs Spark gives each task (spark.task.cpus)", ParamValidators.gtEq(0));
        gpusPerWorker = new IntParam(this, "gpusPerWorker",
                "GPUs per worker, requested from Spark for the training stage; 0 = CPU", ParamValidators.gtEq(0));
        shardMemoryBudget = new LongParam(this, "shardMemoryBudget",
                "bytes of direct memory each worker holds its shard in; the rest spills to local disk",
                ParamValidators.gtEq(0));
        gpuFallbackToCpu = new BooleanParam(this, "gpuFallbackToCpu",
                "let a worker that was given GPUs but finds no CUDA train on the CPU instead of failing");
        checkpointDir = new Param<>(this, "checkpointDir",
                "Hadoop path for checkpoints; a later fit with the same settings resumes from the newest; empty for none");
        checkpointEverySteps = new LongParam(this, "checkpointEverySteps",
                "steps between checkpoints; 0 for only at the end", ParamValidators.gtEq(0));
        keepCheckpoints = new IntParam(this, "keepCheckpoints", "newest checkpoints kept", ParamValidators.gtEq(1));
        maxAttempts = new IntParam(this, "maxAttempts", "launches of the training stage before giving up",
                ParamValidators.gtEq(1));
        TrainingOptions defaults = new TrainingOptions("mlp", new InputSpec(new long[] {1}, 2));
        setDefault(featuresCol, ColumnParams.FEATURES);
        setDefault(labelCol, ColumnParams.LABEL);
        setDefault(predictionCol, ColumnParams.PREDICTION);
        setDefault(probabilityCol, ColumnParams.PROBABILITY);
        setDefault(rawPredictionCol, ColumnParams.RAW_PREDICTION);
        setDefault(modelName, defaults.modelName());
        setDefault(numClasses, 0);
        setDefault(workers, defaults.workers());
        setDefault(epochs, defaults.epochs());
        setDefault(batchSize, defaults.batchSize());
        setDefault(learningRate, defaults.learningRate());
        setDefault(momentum, defaults.momentum());
        setDefault(optimizer, defaults.optimizer());
        setDefault(gradientCompression, defaults.gradientCompression());
        setDefault(seed, defaults.seed());
        setDefault(shuffle, defaults.shuffle());
        setDefault(threadsPerWorker, defaults.threadsPerWorker());
        setDefault(gpusPerWorker, defaults.gpusPerWorker());
        setDefault(shardMemoryBudget, defaults.shardMemoryBudget());
        setDefault(gpuFallbackToCpu, defaults.gpuFallbackToCpu());
        setDefault(checkpointDir, defaults.checkpointDir());
        setDefault(checkpointEverySteps, defaults.checkpointEverySteps());
        setDefault(keepCheckpoints, defaults.keepCheckpoints());
        setDefault(maxAttempts, defaults.maxAttempts());
    }

    @Override
    public String uid() {
        return uid;
    }

    /** Features column (default {@code features}). */
    public Param<String> featuresCol() {
        return featuresCol;
    }

    /** Label column (default {@code label}). */
    public Param<String> labelCol() {
        return labelCol;
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

    /** Network from the model catalog (default {@code mlp}). */
    public Param<String> modelName() {
        return modelName;
    }

    /** Shape of one sample (default: flat, the features' length). */
    public IntArrayParam inputShape() {
        return inputShape;
    }

    /** Number of classes (default 0: inferred from the labels). */
    public IntParam numClasses() {
        return numClasses;
    }

    /** Training tasks (default 2). */
    public IntParam workers() {
        return workers;
    }

    /** Passes over the data (default 1). */
    public IntParam epochs() {
        return epochs;
    }

    /** Global batch size (default 64). */
    public IntParam batchSize() {
        return batchSize;
    }

    /** Learning rate (default 0.05). */
    public DoubleParam learningRate() {
        return learningRate;
    }

    /** SGD momentum (default 0.9). */
    public DoubleParam momentum() {
        return momentum;
    }

    /** Optimizer, {@code sgd} or {@code adam} (default {@code sgd}). */
    public Param<String> optimizer() {
        return optimizer;
    }

    /** How gradients travel between workers, {@code none} or {@code bf16} (default {@code none}). */
    public Param<String> gradientCompression() {
        return gradientCompression;
    }

    /** Seed (default 0). */
    public LongParam seed() {
        return seed;
    }

    /** Per-epoch reshuffle (default true). */
    public BooleanParam shuffle() {
        return shuffle;
    }

    /** PyTorch threads per worker (default 0: the CPUs Spark gives each task, {@code spark.task.cpus}). */
    public IntParam threadsPerWorker() {
        return threadsPerWorker;
    }

    /** GPUs per worker (default 0: CPU). */
    public IntParam gpusPerWorker() {
        return gpusPerWorker;
    }

    /** Bytes of direct memory per worker's shard before it spills to local disk (default 512 MiB). */
    public LongParam shardMemoryBudget() {
        return shardMemoryBudget;
    }

    /** Whether a worker without CUDA may fall back to the CPU (default false). */
    public BooleanParam gpuFallbackToCpu() {
        return gpuFallbackToCpu;
    }

    /** Checkpoint directory on any Hadoop file system (default empty: none). */
    public Param<String> checkpointDir() {
        return checkpointDir;
    }

    /** Steps between checkpoints (default 0: only at the end). */
    public LongParam checkpointEverySteps() {
        return checkpointEverySteps;
    }

    /** Newest checkpoints kept (default 3). */
    public IntParam keepCheckpoints() {
        return keepCheckpoints;
    }

    /** Launches of the training stage before giving up (default 3). */
    public IntParam maxAttempts() {
        return maxAttempts;
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
    public PhalanxClassifier setImageNormalization(double[] mean, double[] std) {
        return (PhalanxClassifier) set(imageMean, mean).set(imageStd, std);
    }

    /** Sets the features column. */
    public PhalanxClassifier setFeaturesCol(String value) {
        return (PhalanxClassifier) set(featuresCol, value);
    }

    /** Sets the label column. */
    public PhalanxClassifier setLabelCol(String value) {
        return (PhalanxClassifier) set(labelCol, value);
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

    /** Sets the network by its catalog name. */
    public PhalanxClassifier setModelName(String value) {
        return (PhalanxClassifier) set(modelName, value);
    }

    /** Sets the shape of one sample, for example {@code [1, 28, 28]} for the CNN. */
    public PhalanxClassifier setInputShape(int[] value) {
        return (PhalanxClassifier) set(inputShape, value);
    }

    /** Sets the number of classes (0: inferred from the labels). */
    public PhalanxClassifier setNumClasses(int value) {
        return (PhalanxClassifier) set(numClasses, value);
    }

    /** Sets the number of training tasks. */
    public PhalanxClassifier setWorkers(int value) {
        return (PhalanxClassifier) set(workers, value);
    }

    /** Sets the number of epochs. */
    public PhalanxClassifier setEpochs(int value) {
        return (PhalanxClassifier) set(epochs, value);
    }

    /** Sets the global batch size. */
    public PhalanxClassifier setBatchSize(int value) {
        return (PhalanxClassifier) set(batchSize, value);
    }

    /** Sets the learning rate. */
    public PhalanxClassifier setLearningRate(double value) {
        return (PhalanxClassifier) set(learningRate, value);
    }

    /** Sets the SGD momentum. */
    public PhalanxClassifier setMomentum(double value) {
        return (PhalanxClassifier) set(momentum, value);
    }

    /** Sets the optimizer, {@code sgd} or {@code adam}. */
    public PhalanxClassifier setOptimizer(String value) {
        return (PhalanxClassifier) set(optimizer, value);
    }

    /** Sets how gradients travel between workers, {@code none} or {@code bf16}. */
    public PhalanxClassifier setGradientCompression(String value) {
        return (PhalanxClassifier) set(gradientCompression, value);
    }

    /** Sets the seed. */
    public PhalanxClassifier setSeed(long value) {
        return (PhalanxClassifier) set(seed, value);
    }

    /** Sets whether samples are reshuffled every epoch. */
    public PhalanxClassifier setShuffle(boolean value) {
        return (PhalanxClassifier) set(shuffle, value);
    }

    /** Sets the PyTorch threads per worker; 0 uses the CPUs Spark gives each task. */
    public PhalanxClassifier setThreadsPerWorker(int value) {
        return (PhalanxClassifier) set(threadsPerWorker, value);
    }

    /** Sets the GPUs per worker; the cluster's executors must offer them (see the README's GPU section). */
    public PhalanxClassifier setGpusPerWorker(int value) {
        return (PhalanxClassifier) set(gpusPerWorker, value);
    }

    /** Sets the bytes of direct memory each worker holds its shard in; the rest spills to local disk. */
    public PhalanxClassifier setShardMemoryBudget(long value) {
        return (PhalanxClassifier) set(shardMemoryBudget, value);
    }

    /** Sets whether a worker that was given GPUs but finds no CUDA may train on the CPU. */
    public PhalanxClassifier setGpuFallbackToCpu(boolean value) {
        return (PhalanxClassifier) set(gpuFallbackToCpu, value);
    }

    /** Sets the checkpoint directory; a later fit with the same settings resumes from it. */
    public PhalanxClassifier setCheckpointDir(String value) {
        return (PhalanxClassifier) set(checkpointDir, value);
    }

    /** Sets the steps between checkpoints. */
    public PhalanxClassifier setCheckpointEverySteps(long value) {
        return (PhalanxClassifier) set(checkpointEverySteps, value);
    }

    /** Sets how many checkpoints are kept. */
    public PhalanxClassifier setKeepCheckpoints(int value) {
        return (PhalanxClassifier) set(keepCheckpoints, value);
    }

    /** Sets how many times the training stage is launched before giving up. */
    public PhalanxClassifier setMaxAttempts(int value) {
        return (PhalanxClassifier) set(maxAttempts, value);
    }

    /**
     * Sets what is told of progress during {@code fit}, on the driver (per epoch, per logged
     * step, and notices such as a relaunch). Not a param: it is not saved.
     */
    public PhalanxClassifier setProgressListener(ProgressListener value) {
        listener = value == null ? metrics -> {} : value;
        return this;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        SchemaCheck.validate(schema, new ColumnSpec(getOrDefault(featuresCol), getOrDefault(labelCol), 1, 1));
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
        InputSpec input = new InputSpec(sampleShape(frame), classes(frame));
        TrainingOptions options = new TrainingOptions(getOrDefault(modelName), input)
                .optFeaturesCol(getOrDefault(featuresCol))
                .optLabelCol(getOrDefault(labelCol))
                .optWorkers((Integer) getOrDefault(workers))
                .optEpochs((Integer) getOrDefault(epochs))
                .optBatchSize((Integer) getOrDefault(batchSize))
                .optLearningRate((Double) getOrDefault(learningRate))
                .optMomentum((Double) getOrDefault(momentum))
                .optOptimizer(getOrDefault(optimizer))
                .optGradientCompression(getOrDefault(gradientCompression))
                .optSeed((Long) getOrDefault(seed))
                .optShuffle((Boolean) getOrDefault(shuffle))
                .optThreadsPerWorker((Integer) getOrDefault(threadsPerWorker))
                .optGpusPerWorker((Integer) getOrDefault(gpusPerWorker))
                .optShardMemoryBudget((Long) getOrDefault(shardMemoryBudget))
                .optGpuFallbackToCpu((Boolean) getOrDefault(gpuFallbackToCpu))
                .optCheckpointDir(getOrDefault(checkpointDir))
                .optCheckpointEverySteps((Long) getOrDefault(checkpointEverySteps))
                .optKeepCheckpoints((Integer) getOrDefault(keepCheckpoints))
                .optMaxAttempts((Integer) getOrDefault(maxAttempts))
                .optImageNormalization(isDefined(imageMean) ? getOrDefault(imageMean) : null,
                        isDefined(imageStd) ? getOrDefault(imageStd) : null);
        TrainedModel trained = Phalanx.fit(frame, options, listener);
        PhalanxClassificationModel model = PhalanxClassificationModel.of(
                new ModelData(trained.parameters(), List.copyOf(trained.history())));
        copyValues(model, ParamMap.empty());
        // What the network is, is a fact of the trained model, not a default: record it explicitly.
        model.set(model.modelName(), getOrDefault(modelName));
        model.set(model.inputShape(), Arrays.stream(input.sampleShape()).mapToInt(Math::toIntExact).toArray());
        model.set(model.numClasses(), input.numClasses());
        return model.setParent(this);
    }

    /** The declared sample shape, or a flat vector as long as the first row's features. */
    private long[] sampleShape(Dataset<Row> frame) {
        if (isSet(inputShape)) {
            return Arrays.stream(getOrDefault(inputShape)).asLongStream().toArray();
        }
        String column = getOrDefault(featuresCol);
        StructField field = frame.schema().apply(column);
        if (field.dataType() instanceof BinaryType) {
            throw new InvalidDataException("features column '" + column + "' holds encoded images: set inputShape to"
                    + " [channels, height, width]");
        }
        // A VectorAssembler records the vector's length in the column's metadata: no job needed.
        if (field.dataType().equals(SQLDataTypes.VectorType())) {
            int declared = AttributeGroup.fromStructField(field).size();
            if (declared > 0) {
                return new long[] {declared};
            }
        }
        List<Row> first = frame.select(column).where(functions.col(column).isNotNull()).limit(1).collectAsList();
        if (first.isEmpty()) {
            throw new InvalidDataException("features column '" + column + "' has no non-null value: cannot train");
        }
        Object value = first.get(0).get(0);
        int length = value instanceof Vector vector ? vector.size() : first.get(0).getList(0).size();
        return new long[] {length};
    }

    /** The declared number of classes, or one more than the largest label. */
    private int classes(Dataset<Row> frame) {
        int declared = (Integer) getOrDefault(numClasses);
        if (declared > 0) {
            return declared;
        }
        return LabelCount.infer(frame, getOrDefault(labelCol));
    }

    @Override
    public PhalanxClassifier copy(ParamMap extra) {
        PhalanxClassifier copy = defaultCopy(extra);
        return copy.setProgressListener(listener);
    }

    @Override
    public MLWriter write() {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                StagePersistence.saveMetadata(PhalanxClassifier.this, path, sparkSession());
            }
        };
    }

    /** Returns a reader for classifiers saved with {@link #write()}; Spark ML's pipeline loader calls it. */
    public static MLReader<PhalanxClassifier> read() {
        return new MLReader<>() {
            @Override
            public PhalanxClassifier load(String path) {
                StagePersistence.Metadata metadata =
                        StagePersistence.loadMetadata(path, sparkSession(), PhalanxClassifier.class);
                PhalanxClassifier blank = new PhalanxClassifier(metadata.uid());
                return blank.copy(metadata.paramMap(blank));
            }
        };
    }

    /** Loads a classifier saved with {@code write().save(path)}. */
    public static PhalanxClassifier load(String path) {
        return read().load(path);
    }
}
