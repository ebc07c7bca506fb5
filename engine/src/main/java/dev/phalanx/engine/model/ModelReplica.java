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
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.optim.Optimizer;
import dev.phalanx.engine.optim.TensorOptimizer;
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
 * checkpoint. On a GPU the tensors cannot live in host memory; there the replica is device-resident
 * ({@link TensorTransfer#ON_DEVICE}): the parameters are one flat tensor on the device whose views
 * the model's tensors are, the gradients are gathered into another, the optimizer updates them there
 * ({@link #update}), and the host buffer is a copy refreshed when something reads it.
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
    private final BlockParameters model;
    private final ParameterStore parameterStore;
    private final ByteBuffer storage;
    private final FloatBuffer parameters;
    private final ByteBuffer gradientStorage;
    private boolean gradientsBound;
    /** The flat device tensors of a device-resident replica; null when the tensors use host memory. */
    private final DeviceFlats flats;
    /** The host gradients as a buffer for the collective, for a replica whose tensors use host memory. */
    private final DeviceBuffer hostGradients;
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
                    + TensorTransfer.ON_DEVICE);
        }
        this.input = input;
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
            this.hostGradients = new HostGradients(gradientStorage);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        DeviceFlats onDevice = null;
        try {
            if (transfer == TensorTransfer.ON_DEVICE) {
                onDevice = new DeviceFlats(model.manager(), storage);
                model.bindTo(onDevice.parameters());
            }
        } catch (RuntimeException e) {
            if (onDevice != null) {
                onDevice.close();
            }
            model.close();
            throw e;
        }
        this.flats = onDevice;
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
     * from the primary's host buffer, so one optimizer update serves both (device-resident, it takes
     * the primary's updated parameters, see {@link ReplicaGroup#update}); it has its own gradients.
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

    /**
     * Hands the parameter tensors the host buffer's values: adopts its memory (see {@link
     * BlockParameters#pushParameters}), or, device-resident, copies it to the device.
     */
    private void pushParameters() {
        if (flats == null) {
            model.pushParameters(storage);
        } else {
            flats.uploadParameters();
            model.refreshFrom(flats.parameters());
        }
    }

    /**
     * Tells the replica that the host parameters were written (a restored checkpoint, initial
     * values, an all-gather): a device-resident replica copies them to its device; otherwise the
     * tensors read the host buffer already and nothing happens.
     */
    public void parametersChanged() {
        if (flats != null) {
            pushParameters();
        }
    }

    /** Whether the replica's parameters, gradients and optimizer live on its device, not in host memory. */
    public boolean deviceResident() {
        return flats != null;
    }

    /**
     * Copies and bytes moved between host and device since the replica was built ({@link
     * TransferCounts#NONE} for one whose tensors use host memory).
     */
    public TransferCounts transfers() {
        return flats == null ? TransferCounts.NONE : flats.transfers();
    }

    /** The model's convolutions whose channels oneDNN pads on the CPU ({@link OneDnnPaddingGuard}). */
    public List<String> paddedConvolutions() {
        return model.paddedConvolutions();
    }

    /** Returns the number of scalar parameters. */
    public int parameterCount() {
        return parameters.capacity();
    }

    /**
     * Returns the host parameters, indexed from 0, current (device-resident, copied off the device
     * first if it changed them); after writing them call {@link #parametersChanged()}.
     */
    public FloatBuffer parameters() {
        if (flats != null) {
            flats.downloadParameters();
        }
        return parameters;
    }

    /**
     * Returns the host parameters as the direct buffer of native-order floats they live in, current
     * as {@link #parameters()}, for a collective to write them in place (the all-gather of a sharded
     * optimizer's slices; call {@link #parametersChanged()} after).
     */
    public ByteBuffer parameterBytes() {
        parameters();
        return storage.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /**
     * Returns the host parameters as their direct buffer with parameters {@code [offset, offset +
     * length)} current, for an all-gather of that slice into the rest: device-resident, only that
     * slice comes off the device; call {@link #parametersChanged()} once the rest is written.
     */
    public ByteBuffer parameterBytesWithCurrent(int offset, int length) {
        if (flats != null) {
            flats.downloadParameters(offset, length);
        }
        return storage.duplicate().clear().order(ByteOrder.nativeOrder());
    }

    /** Returns a copy of all parameters. */
    public float[] copyParameters() {
        float[] copy = new float[parameterCount()];
        parameters().get(0, copy);
        return copy;
    }

    /**
     * Applies {@code optimizer}'s next step to parameters {@code [offset, offset + length)} from the
     * averaged gradients in {@link #gradientBuffer()}: in Java on the host buffers, or,
     * device-resident, as tensor operations on the device (one host-to-device copy of the gradients
     * if the host holds them, of the step's scalars alone otherwise).
     *
     * @throws IllegalArgumentException when a device-resident replica is given a Java optimizer
     */
    public void update(Optimizer optimizer, int offset, int length) {
        if (flats == null) {
            optimizer.step(parameters.slice(offset, length), gradientStorage.asFloatBuffer().slice(offset, length));
            return;
        }
        if (!(optimizer instanceof TensorOptimizer tensors)) {
            throw new IllegalArgumentException("a device-resident replica updates its parameters on the device; give it"
                    + " a tensor optimizer (Optimizers.onTensors), not " + optimizer.getClass().getSimpleName());
        }
        flats.update(tensors, offset, length);
        model.refreshFrom(flats.parameters());
    }

    /**
     * Device-resident: replaces this replica's device parameters by {@code source}'s (another
     * device's), device to device, so both train from the same values.
     */
    void copyParametersFrom(ModelReplica source) {
        flats.copyParametersFrom(source.flats);
        model.refreshFrom(flats.parameters());
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
     * Returns every parameter's gradient as one flat direct buffer of native-order floats in host
     * memory, in the flat parameter order: {@link #collectGradients()}'s values on the host. Call
     * after {@link #forwardBackward}; after writing to it call {@code gradientBuffer().writtenOnHost()}
     * (nothing to do when the tensors use host memory).
     */
    public ByteBuffer gradients() {
        return collectGradients().onHost();
    }

    /**
     * Collects the gradients of the last backward passes into the flat gradient buffer and returns
     * it. With {@link TensorTransfer#IN_PLACE}, without copying: after the first call the gradient
     * tensors live in the host buffer, PyTorch accumulating into it on each backward pass and
     * zeroing it in place. Device-resident, they are gathered into one flat tensor on the device,
     * where they stay until something asks for them on the host.
     */
    public DeviceBuffer collectGradients() {
        if (flats != null) {
            flats.gathered(model.gatherGradients(flats.scalarPlaceholder(), model.manager()));
            return flats;
        }
        if (!gradientsBound) {
            model.bindGradients(gradientStorage);
            gradientsBound = true;
        }
        return hostGradients;
    }

    /** Returns the flat gradient buffer as {@link #collectGradients()} last left it, without collecting. */
    public DeviceBuffer gradientBuffer() {
        return flats != null ? flats : hostGradients;
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
            if (flats != null) {
                flats.close();
            }
            model.close();
        } finally {
            if (fillGuard != null) {
                fillGuard.close();
            }
        }
    }

    /** The host gradient buffer of a replica whose tensors use host memory: always current on the host. */
    private record HostGradients(ByteBuffer storage) implements DeviceBuffer {

        @Override
        public int floats() {
            return storage.capacity() / Float.BYTES;
        }

        @Override
        public ByteBuffer onHost() {
            return storage.duplicate().clear().order(ByteOrder.nativeOrder());
        }

        @Override
        public void writtenOnHost() {
            // The tensors read this memory: nothing to refresh.
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
