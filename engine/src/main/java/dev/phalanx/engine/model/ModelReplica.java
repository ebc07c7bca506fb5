package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One copy of a model on the PyTorch engine, on one device, its parameters held in a single direct
 * host buffer: its training step (forward, loss, backward, gradients out) and its inference.
 * Building the block and binding its tensors to flat buffers is {@link BlockParameters}' job.
 *
 * <p>Why one flat buffer: DJL's {@code NDArray.set(ByteBuffer)} on the CPU makes the tensor use the
 * direct buffer's memory in place. So the optimizer, written in Java, updates the parameters where
 * PyTorch reads them — no copy per step — and the whole model is one array to all-reduce, return or
 * checkpoint. On a GPU the tensors cannot live in host memory; there the replica copies between the
 * flat buffers and the device instead (see {@link TensorTransfer}).
 *
 * <p>Parameters that do not learn (batch norm's running mean and variance) sit in the flat buffer
 * too, so checkpoints and results carry them, but their gradient slots stay zero: the all-reduce
 * and the optimizer leave them as the forward pass updates them. Each worker's running statistics
 * follow its own batches; rank 0's are the ones returned and checkpointed, as PyTorch DDP keeps
 * rank 0's buffers.
 *
 * <p>Gradients are computed with PyTorch's thread-local grad mode rather than DJL's {@code
 * GradientCollector}, whose JVM-wide flag forbids two workers training at once in one JVM (as Spark
 * local mode runs them).
 */
public final class ModelReplica implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelReplica.class.getName());

    private final InputSpec input;
    private final TensorTransfer transfer;
    private final BlockParameters model;
    private final ParameterStore parameterStore;
    private final ByteBuffer storage;
    private final FloatBuffer parameters;
    private final ByteBuffer gradientStorage;
    private boolean gradientsBound;
    /** Where each batch's features are staged for PyTorch. */
    private final DirectStaging inputStaging = new DirectStaging();
    /** The loss's gradient with respect to the outputs, as {@link LossGradient#of} writes it. */
    private float[] lossGradient = new float[0];
    /** Where that gradient is staged for PyTorch's backward pass. */
    private final DirectStaging lossGradientStaging = new DirectStaging();
    /** The fill a replica built for scoring holds while it lives, or null. */
    private OneDnnPaddingGuard.Protection fillGuard;

    private ModelReplica(ModelSpec spec, InputSpec input, Device device, TensorTransfer transfer,
            ByteBuffer sharedParameters) {
        if (device.isGpu() && transfer == TensorTransfer.IN_PLACE) {
            throw new IllegalArgumentException("a replica on " + device + " cannot bind its tensors to host memory; use "
                    + TensorTransfer.COPY);
        }
        this.input = input;
        this.transfer = transfer;
        this.model = BlockParameters.build(spec, input, device);
        try {
            int bytes = Math.multiplyExact(model.count(), Float.BYTES);
            if (sharedParameters != null && sharedParameters.capacity() != bytes) {
                throw new IllegalArgumentException("model '" + spec.name() + "' needs " + bytes
                        + " parameter bytes, the shared buffer holds " + sharedParameters.capacity());
            }
            this.storage = sharedParameters != null ? sharedParameters
                    : ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
            this.parameters = storage.asFloatBuffer();
            this.gradientStorage = ByteBuffer.allocateDirect(storage.capacity()).order(ByteOrder.nativeOrder());
            this.parameterStore = new ParameterStore(model.manager(), false);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Builds the named model with parameters initialised deterministically from {@code seed}.
     *
     * @throws IllegalArgumentException if the model is unknown or cannot take this input
     */
    public static ModelReplica initialised(ModelSpec model, InputSpec input, long seed) {
        return initialised(model, input, seed, Device.cpu(), TensorTransfer.IN_PLACE);
    }

    /**
     * Builds the named model on {@code device} with parameters initialised deterministically from
     * {@code seed} (the same values on every device).
     *
     * @throws IllegalArgumentException if the model is unknown or cannot take this input, or if
     *     {@code transfer} is {@link TensorTransfer#IN_PLACE} on a GPU
     */
    public static ModelReplica initialised(ModelSpec model, InputSpec input, long seed, Device device,
            TensorTransfer transfer) {
        ModelReplica replica = new ModelReplica(model, input, device, transfer, null);
        try {
            replica.model.initialise(replica.parameters, seed);
            replica.pushParameters();
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    /**
     * Builds another replica of {@code primary}'s model on {@code device} that reads its parameters
     * from the primary's host buffer, so one optimizer update serves both; it has its own gradients.
     */
    public static ModelReplica sharing(ModelReplica primary, ModelSpec model, Device device, TensorTransfer transfer) {
        ModelReplica replica = new ModelReplica(model, primary.input, device, transfer, primary.storage);
        try {
            // On a GPU this copies the parameters to the device, which can run out of memory.
            replica.pushParameters();
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    /**
     * Builds the named model on the CPU with the given flat parameters (as {@link #copyParameters()}
     * returns), for evaluation and scoring; a model with padded convolution channels turns on
     * {@link OneDnnPaddingGuard}'s fill first, as its forward pass runs the same padded kernels, and
     * gives it back when closed.
     */
    public static ModelReplica withParameters(ModelSpec model, InputSpec input, float[] values) {
        ModelReplica replica = new ModelReplica(model, input, Device.cpu(), TensorTransfer.IN_PLACE, null);
        if (values.length != replica.parameterCount()) {
            replica.close();
            throw new IllegalArgumentException("model '" + model.name() + "' has " + replica.parameterCount()
                    + " parameters, got " + values.length);
        }
        replica.fillGuard = OneDnnPaddingGuard.protect(replica.paddedConvolutions());
        replica.fillGuard.report().filter(report -> report.level() == Level.WARNING)
                .ifPresent(report -> LOG.warning(report.message()));
        try {
            replica.parameters.put(0, values);
            replica.pushParameters();
        } catch (RuntimeException e) {
            replica.close();
            throw e;
        }
        return replica;
    }

    /**
     * Returns the model's parameter names and shapes in order, after checking that it gives one
     * output per class for a sample. Builds only the block, not a replica: the driver calls this,
     * and a replica's flat buffers would take twice the model's size in direct memory there.
     *
     * @throws IllegalArgumentException naming the model and what is wrong with it
     */
    public static ParameterLayout parameterLayout(ModelSpec model, InputSpec input) {
        return BlockParameters.layout(model, input);
    }

    /** Returns this replica's parameter names and shapes in flat order. */
    public ParameterLayout layout() {
        return model.layout();
    }

    /** Hands the parameter tensors the flat buffer's values (see {@link BlockParameters#pushParameters}). */
    private void pushParameters() {
        model.pushParameters(storage);
    }

    /** The model's convolutions whose channels oneDNN pads on the CPU ({@link OneDnnPaddingGuard}). */
    public List<String> paddedConvolutions() {
        return model.paddedConvolutions();
    }

    /** Returns the number of scalar parameters. */
    public int parameterCount() {
        return parameters.capacity();
    }

    /** Returns the live parameters, indexed from 0; writes are seen by the next forward pass. */
    public FloatBuffer parameters() {
        return parameters;
    }

    /**
     * Returns the live parameters as the direct buffer of native-order floats they live in, for a
     * collective to write them in place (the all-gather of a sharded optimizer's slices).
     */
    public ByteBuffer parameterBytes() {
        return storage.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /** Returns a copy of all parameters. */
    public float[] copyParameters() {
        float[] copy = new float[parameterCount()];
        parameters.get(0, copy);
        return copy;
    }

    /**
     * Runs forward and backward on one batch, leaving the gradients in the parameters' gradient
     * tensors (accumulated; see {@link #zeroGradients()}).
     *
     * @param features the batch's samples, flattened, from position 0
     * @param labels class indices of those samples, one per sample
     * @return the batch's mean loss and its number of correct predictions
     */
    public BatchOutcome forwardBackward(FloatBuffer features, long[] labels) {
        return forwardBackward(features, labels, Objective.CROSS_ENTROPY);
    }

    /**
     * Runs forward and backward on one batch under {@code objective}, leaving the gradients in the
     * parameters' gradient tensors (accumulated; see {@link #zeroGradients()}).
     *
     * @param features the batch's samples, flattened, from position 0
     * @param labels the samples' labels, encoded as {@link Objective#encode} gives them
     * @return the batch's mean loss and its number of correct predictions (0 for regression)
     */
    public BatchOutcome forwardBackward(FloatBuffer features, long[] labels, Objective objective) {
        return forwardBackward(features, labels, LossFunction.of(objective));
    }

    /** As {@link #forwardBackward(FloatBuffer, long[], Objective)}, minimising {@code loss}. */
    public BatchOutcome forwardBackward(FloatBuffer features, long[] labels, LossFunction loss) {
        if (transfer == TensorTransfer.COPY) {
            pushParameters();
        }
        int count = labels.length;
        // Grad mode is the calling thread's; put back what the caller had (PyTorch's default is on).
        boolean callersGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try (NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch.create(staged(features, count), input.batchShape(count), DataType.FLOAT32);
            NDArray outputs = model.block().forward(parameterStore, new NDList(x), true).singletonOrThrow();
            JniUtils.setGradMode(false);
            // The loss and its gradient come from the JVM (LossGradient); PyTorch's backward pass
            // starts at the outputs.
            float[] values = outputs.toFloatArray();
            if (lossGradient.length < values.length) {
                lossGradient = new float[values.length];
            }
            BatchOutcome outcome = LossGradient.of(loss, values, labels, lossGradient);
            NDArray gradient = batch.create(lossGradientStaging.put(lossGradient, values.length), outputs.getShape(),
                    DataType.FLOAT32);
            JniUtils.backward((PtNDArray) outputs, (PtNDArray) gradient, false, false);
            return outcome;
        } finally {
            JniUtils.setGradMode(callersGradMode);
        }
    }

    /** Copies the first {@code count} samples of {@code features} into the reused staging buffer. */
    private ByteBuffer staged(FloatBuffer features, int count) {
        return inputStaging.put(features, Math.toIntExact(input.batchShape(count).size()));
    }

    /**
     * Returns every parameter's gradient as one flat direct buffer of native-order floats, in the
     * flat parameter order. With {@link TensorTransfer#IN_PLACE}, without copying: after the first
     * call the gradient tensors live in this buffer, PyTorch accumulating into it on each backward
     * pass and zeroing it in place. With {@link TensorTransfer#COPY}, each call copies the gradients
     * off the device into it. Call after {@link #forwardBackward}; write to it (for example to
     * average it) before the next.
     */
    public ByteBuffer gradients() {
        if (transfer == TensorTransfer.COPY) {
            model.copyGradients(gradientStorage);
        } else if (!gradientsBound) {
            model.bindGradients(gradientStorage);
            gradientsBound = true;
        }
        return gradientStorage.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /** Sets every gradient to zero, ready for the next backward pass. */
    public void zeroGradients() {
        model.zeroGradients();
    }

    /**
     * Returns the predicted class of each of {@code count} samples (inference, no gradients).
     *
     * @param features {@code count} samples, flattened, from position 0
     */
    public int[] predict(FloatBuffer features, int count) {
        if (transfer == TensorTransfer.COPY) {
            pushParameters();
        }
        boolean callersGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch.create(staged(features, count), input.batchShape(count), DataType.FLOAT32);
            NDArray logits = model.block().forward(parameterStore, new NDList(x), false).singletonOrThrow();
            return logits.argMax(1).toType(DataType.INT32, false).toIntArray();
        } finally {
            JniUtils.setGradMode(callersGradMode);
        }
    }

    /**
     * Returns the raw scores (logits) of {@code count} samples, row-major: sample {@code i}'s score
     * for class {@code c} at {@code i * numClasses + c} (inference, no gradients).
     *
     * @param features {@code count} samples, flattened, from position 0
     */
    public float[] logits(FloatBuffer features, int count) {
        if (transfer == TensorTransfer.COPY) {
            pushParameters();
        }
        boolean callersGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager batch = model.manager().newSubManager()) {
            NDArray x = batch.create(staged(features, count), input.batchShape(count), DataType.FLOAT32);
            return model.block().forward(parameterStore, new NDList(x), false).singletonOrThrow().toFloatArray();
        } finally {
            JniUtils.setGradMode(callersGradMode);
        }
    }

    /**
     * Returns the metrics of {@code count} samples (inference: no gradients, dropout off, batch
     * norm on its running statistics), as {@link Evaluation} defines them.
     *
     * @param features {@code count} samples, flattened, from position 0
     * @param labels at least {@code count} labels, encoded as {@link Objective#encode} gives them
     * @param topK the k of the top-k accuracy (0: none)
     */
    public Evaluation evaluate(FloatBuffer features, long[] labels, int count, Objective objective, int topK) {
        return LossGradient.evaluation(objective, input.numClasses(), topK, logits(features, count),
                labels, count);
    }

    /**
     * Saves the model in DJL's own format into {@code dir} as {@code <name>-0000.params}, loadable
     * with {@code Model.load} after setting the same block from the model catalog.
     */
    public void saveDjl(Path dir, String name) throws IOException {
        try (Model saved = Model.newInstance(name, Device.cpu(), "PyTorch")) {
            saved.setBlock(model.block());
            saved.setProperty("Epoch", "0");
            saved.save(dir, name);
        }
    }

    /**
     * Writes a torchscript model as TorchScript with this replica's parameter values, for PyTorch to
     * load; an eval-mode CPU copy.
     *
     * @throws IllegalStateException when the model is not a torchscript one
     */
    public void exportTorchScript(OutputStream out) throws IOException {
        model.exportTorchScript(out);
    }

    @Override
    public void close() {
        try {
            model.close();
        } finally {
            if (fillGuard != null) {
                fillGuard.close();
            }
        }
    }

    /**
     * What one batch gave.
     *
     * @param meanLoss the mean loss over the batch
     * @param correct how many samples were classified correctly
     */
    public record BatchOutcome(float meanLoss, long correct) {}
}
