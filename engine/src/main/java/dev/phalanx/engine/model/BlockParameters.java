package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A model from the catalog built as a DJL block on one device, with its parameters in flat order
 * (the block's parameter order, each tensor's values row-major), and the ways its tensors meet flat
 * buffers of that order: adopting host memory for parameters and gradients (on the CPU), or
 * becoming views of one flat device tensor and gathering gradients into another (on any device).
 * Building the model is this class's job; training and scoring it is {@link ModelReplica}'s.
 */
final class BlockParameters implements AutoCloseable {

    private final NDManager manager;
    private final Block block;
    private final List<NDArray> arrays = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Parameter.Type> types = new ArrayList<>();
    /** Whether each parameter learns; batch norm's running statistics do not and have no gradient. */
    private final List<Boolean> trainable = new ArrayList<>();
    /** Zeros for the gradients of parameters that do not learn, by index, when gathered on a device. */
    private final Map<Integer, NDArray> fixedGradients = new HashMap<>();
    private final int count;
    /** The TorchScript module the block is, whose own values are the initial ones; null for a DJL block. */
    private final TorchScriptModule module;

    private BlockParameters(NDManager manager, Block block, TorchScriptModule module) {
        this.manager = manager;
        this.block = block;
        this.module = module;
        long total = 0;
        for (Pair<String, Parameter> entry : block.getParameters()) {
            NDArray array = entry.getValue().getArray();
            arrays.add(array);
            names.add(entry.getKey());
            shapes.add(array.getShape());
            types.add(entry.getValue().getType());
            trainable.add(entry.getValue().requiresGradient());
            total += array.size();
        }
        this.count = Math.toIntExact(total);
    }

    /**
     * Builds and initialises (with DJL's placeholder values) the model on {@code device}.
     *
     * @throws IllegalArgumentException if the model is unknown, cannot take this input, fails to
     *     initialise for it, or has no parameters or parameters other than 32-bit floats
     */
    static BlockParameters build(ModelSpec model, InputSpec input, Device device) {
        NDManager manager = PyTorchEngine.get().newBaseManager(device);
        try {
            if (TorchScriptFamily.is(model)) {
                TorchScriptModule module = TorchScriptModule.load(TorchScriptFamily.path(model),
                        TorchScriptFamily.read(model), manager, new Shape(input.sampleShape()), input.numClasses());
                return new BlockParameters(manager, module.block(), module);
            }
            Block block = ModelCatalog.build(model, input);
            try {
                block.initialize(manager, DataType.FLOAT32, input.batchShape(1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("model '" + model.name() + "': its block cannot be initialised for"
                        + " input " + input.batchShape(1) + ": " + e, e);
            }
            BlockParameters built = new BlockParameters(manager, block, null);
            built.requireTrainable(model);
            return built;
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void requireTrainable(ModelSpec model) {
        if (count == 0 || !trainable.contains(true)) {
            throw new IllegalArgumentException("model '" + model.name() + "' has no trainable parameters");
        }
        for (NDArray array : arrays) {
            if (array.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("model '" + model.name() + "' has a parameter of type "
                        + array.getDataType() + " shaped " + array.getShape() + "; Phalanx trains float32 parameters");
            }
        }
    }

    /**
     * Returns the model's parameter names and shapes in order, after checking that a forward pass of one sample gives one output per class, so a network that does
     * not fit the input is named on the driver rather than failing every worker. Builds only the
     * block, on the CPU, and no flat buffers.
     *
     * @throws IllegalArgumentException naming the model and what is wrong
     */
    static ParameterLayout layout(ModelSpec model, InputSpec input) {
        try (BlockParameters built = build(model, input, Device.cpu())) {
            built.requireOutputShape(model, input);
            return built.layout();
        }
    }

    /** Returns the parameters' names and shapes. */
    ParameterLayout layout() {
        return new ParameterLayout(names, shapes);
    }

    /** Runs one sample of zeros (a valid token id too) through the block and checks the output's shape. */
    private void requireOutputShape(ModelSpec model, InputSpec input) {
        Shape expected = new Shape(1, input.numClasses());
        try (NDManager scratch = manager.newSubManager()) {
            NDList output;
            try {
                output = block.forward(new ParameterStore(scratch, false),
                        new NDList(scratch.zeros(input.batchShape(1))), false);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("model '" + model.name() + "': a forward pass of one sample shaped "
                        + input.batchShape(1) + " failed: " + e, e);
            }
            if (output.size() != 1 || !output.get(0).getShape().equals(expected)) {
                throw new IllegalArgumentException("model '" + model.name() + "' maps one sample shaped "
                        + input.batchShape(1) + " to " + Arrays.toString(output.getShapes())
                        + "; expected one output " + expected + " (one value per class, num_classes = "
                        + input.numClasses() + ")");
            }
        }
    }

    /** Returns the block. */
    Block block() {
        return block;
    }

    /** Returns the manager the block's tensors belong to. */
    NDManager manager() {
        return manager;
    }

    /** Returns the number of scalar parameters. */
    int count() {
        return count;
    }

    /**
     * Fills {@code values} (flat order) with initial values: a TorchScript module's own, else values
     * drawn deterministically from {@code seed}. Call before {@link #pushParameters}.
     */
    void initialise(FloatBuffer values, long seed) {
        if (module != null) {
            int offset = 0;
            for (NDArray array : arrays) {
                float[] own = array.toFloatArray();
                values.put(offset, own);
                offset += own.length;
            }
            return;
        }
        ParameterInit init = new ParameterInit(seed);
        int offset = 0;
        for (int i = 0; i < shapes.size(); i++) {
            Shape shape = shapes.get(i);
            int size = Math.toIntExact(shape.size());
            init.fill(types.get(i), shape, values.slice(offset, size));
            offset += size;
        }
    }

    /**
     * Hands every parameter tensor its slice of {@code storage}; on the CPU the tensor adopts the
     * slice's memory (so this is done once). A device-resident replica uses {@link #bindTo} instead.
     */
    void pushParameters(ByteBuffer storage) {
        int offset = 0;
        for (NDArray array : arrays) {
            int bytes = Math.toIntExact(array.size() * Float.BYTES);
            array.set(storage.slice(offset, bytes).order(ByteOrder.nativeOrder()));
            offset += bytes;
        }
    }

    /**
     * Moves the gradient tensors the first backward pass allocated into {@code gradients} and
     * points them at it ({@code set} rebinds storage, it does not copy), so later backward passes
     * accumulate there; only on the CPU.
     */
    void bindGradients(ByteBuffer gradients) {
        int offset = 0;
        for (int i = 0; i < arrays.size(); i++) {
            NDArray array = arrays.get(i);
            int bytes = Math.toIntExact(array.size() * Float.BYTES);
            if (trainable.get(i)) {
                ByteBuffer slice = gradients.slice(offset, bytes).order(ByteOrder.nativeOrder());
                try (NDArray gradient = array.getGradient()) {
                    slice.put(gradient.toByteBuffer().order(ByteOrder.nativeOrder()));
                    gradient.set(slice.clear());
                }
            }
            offset += bytes;
        }
    }

    /**
     * Makes the parameter tensors views of {@code flat} (a 1-D tensor of all parameters in flat
     * order on this model's device), so what the forward pass reads and updates (batch norm's
     * running statistics) is {@code flat} itself: each DJL parameter's tensor is replaced by a view
     * of its slice ({@code intern}), learning ones marked to require gradients. A TorchScript
     * module owns its tensors, which no view can replace: {@link #refreshFrom} copies into them
     * instead, once the flat tensor holds the parameters (its parameters all learn; modules with
     * buffers are refused); until then the module keeps its own values, the initial ones.
     */
    void bindTo(NDArray flat) {
        if (module != null) {
            return;
        }
        long offset = 0;
        for (int i = 0; i < arrays.size(); i++) {
            NDArray array = arrays.get(i);
            long size = array.size();
            try (NDArray slice = DeviceFlats.slice(flat, offset, offset + size)) {
                NDArray view = JniUtils.reshape((PtNDArray) slice, array.getShape().getShape());
                if (trainable.get(i)) {
                    view.setRequiresGradient(true);
                }
                array.intern(view);
            }
            offset += size;
        }
    }

    /**
     * Copies {@code flat}'s values into a TorchScript module's own parameter tensors, on the device
     * (DJL blocks' tensors are views of it already, see {@link #bindTo}).
     */
    void refreshFrom(NDArray flat) {
        if (module == null) {
            return;
        }
        boolean callersGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            long offset = 0;
            for (NDArray array : arrays) {
                long size = array.size();
                long[] shape = array.getShape().getShape();
                try (NDArray slice = DeviceFlats.slice(flat, offset, offset + size);
                        NDArray values = JniUtils.reshape((PtNDArray) slice, shape)) {
                    long[] zeros = new long[shape.length];
                    long[] steps = new long[shape.length];
                    Arrays.fill(steps, 1);
                    JniUtils.indexSet((PtNDArray) array, (PtNDArray) values, zeros, shape, steps);
                }
                offset += size;
            }
        } finally {
            JniUtils.setGradMode(callersGradMode);
        }
    }

    /**
     * Returns every gradient flattened and joined in flat order, zeros for parameters that do not
     * learn, followed by {@code tail}: one new 1-D tensor on this model's device, attached to
     * {@code owner}.
     */
    NDArray gatherGradients(NDArray tail, NDManager owner) {
        PtNDArray[] parts = new PtNDArray[arrays.size() + 1];
        try {
            for (int i = 0; i < arrays.size(); i++) {
                NDArray array = arrays.get(i);
                if (trainable.get(i)) {
                    try (NDArray gradient = array.getGradient()) {
                        parts[i] = JniUtils.reshape((PtNDArray) gradient, new long[] {array.size()});
                    }
                } else {
                    parts[i] = (PtNDArray) zerosFor(i);
                }
            }
            parts[arrays.size()] = (PtNDArray) tail;
            NDArray flat = JniUtils.cat(parts, 0);
            flat.attach(owner);
            return flat;
        } finally {
            for (int i = 0; i < arrays.size(); i++) {
                if (parts[i] != null && trainable.get(i)) {
                    parts[i].close();
                }
            }
        }
    }

    /** The zeros that stand for parameter {@code i}'s gradient when it does not learn; made once. */
    private NDArray zerosFor(int i) {
        NDArray zeros = fixedGradients.get(i);
        if (zeros == null) {
            zeros = manager.zeros(new Shape(arrays.get(i).size()), DataType.FLOAT32);
            fixedGradients.put(i, zeros);
        }
        return zeros;
    }

    /** Sets every gradient to zero, ready for the next backward pass. */
    void zeroGradients() {
        for (int i = 0; i < arrays.size(); i++) {
            if (trainable.get(i)) {
                JniUtils.zeroGrad((PtNDArray) arrays.get(i));
            }
        }
    }

    /**
     * Writes the model as TorchScript with its current parameter values (see {@link
     * TorchScriptModule#export}).
     *
     * @throws IllegalStateException when the model is not a TorchScript module
     */
    void exportTorchScript(OutputStream out) throws IOException {
        if (module == null) {
            throw new IllegalStateException("only a torchscript model exports as TorchScript");
        }
        module.export(out);
    }

    /** Whether the model is a TorchScript module. */
    boolean isTorchScript() {
        return module != null;
    }

    /** The model's convolutions whose channels oneDNN pads on the CPU ({@link OneDnnPaddingGuard}). */
    List<String> paddedConvolutions() {
        return OneDnnPaddingGuard.paddedConvolutions(block);
    }

    @Override
    public void close() {
        if (module != null) {
            module.close();
        }
        manager.close();
    }
}
