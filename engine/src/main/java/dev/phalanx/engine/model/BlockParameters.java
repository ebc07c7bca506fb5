package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A model from the catalog built as a DJL block on one device, with its parameters in flat order
 * (the block's parameter order, each tensor's values row-major), and the ways its tensors meet flat
 * host buffers of that order: adopting or copying parameter values, binding or copying gradients.
 * Building the model is this class's job; training and scoring it is {@link ModelReplica}'s.
 */
final class BlockParameters implements AutoCloseable {

    private final NDManager manager;
    private final Block block;
    private final List<NDArray> arrays = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Parameter.Type> types = new ArrayList<>();
    /** Whether each parameter learns; batch norm's running statistics do not and have no gradient. */
    private final List<Boolean> trainable = new ArrayList<>();
    private final int count;

    private BlockParameters(NDManager manager, Block block) {
        this.manager = manager;
        this.block = block;
        long total = 0;
        for (Pair<String, Parameter> entry : block.getParameters()) {
            NDArray array = entry.getValue().getArray();
            arrays.add(array);
            shapes.add(array.getShape());
            types.add(entry.getValue().getType());
            trainable.add(entry.getValue().requiresGradient());
            total += array.size();
        }
        this.count = Math.toIntExact(total);
    }

    /**
     * Builds and initialises (with DJL's placeholder values) the named model on {@code device}.
     *
     * @throws IllegalArgumentException if the model is unknown or cannot take this input
     */
    static BlockParameters build(String modelName, InputSpec input, Device device) {
        NDManager manager = PyTorchEngine.get().newBaseManager(device);
        try {
            Block block = ModelCatalog.build(modelName, input);
            block.initialize(manager, DataType.FLOAT32, input.batchShape(1));
            return new BlockParameters(manager, block);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Returns the named model's parameter shapes in order, for example {@code "(256, 784) (256) …"}.
     * Builds only the block, on the CPU, and no flat buffers.
     */
    static String shapes(String modelName, InputSpec input) {
        try (BlockParameters built = build(modelName, input, Device.cpu())) {
            StringBuilder text = new StringBuilder();
            for (Shape shape : built.shapes) {
                text.append(text.length() == 0 ? "" : " ").append(shape);
            }
            return text.toString();
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

    /** Fills {@code values} (flat order) with initial values drawn deterministically from {@code seed}. */
    void initialise(FloatBuffer values, long seed) {
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
     * Hands every parameter tensor its slice of {@code storage}: on the CPU the tensor adopts the
     * slice's memory (so this is done once), on a GPU PyTorch copies the slice into device memory.
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

    /** Copies every gradient tensor into its slice of {@code gradients}; non-learning slots stay as they are. */
    void copyGradients(ByteBuffer gradients) {
        int offset = 0;
        for (int i = 0; i < arrays.size(); i++) {
            NDArray array = arrays.get(i);
            int bytes = Math.toIntExact(array.size() * Float.BYTES);
            if (trainable.get(i)) {
                try (NDArray gradient = array.getGradient()) {
                    gradients.slice(offset, bytes).put(gradient.toByteBuffer().order(ByteOrder.nativeOrder()));
                }
            }
            offset += bytes;
        }
    }

    /** Sets every gradient to zero, ready for the next backward pass. */
    void zeroGradients() {
        for (int i = 0; i < arrays.size(); i++) {
            if (trainable.get(i)) {
                JniUtils.zeroGrad((PtNDArray) arrays.get(i));
            }
        }
    }

    /** The model's convolutions whose channels oneDNN pads on the CPU ({@link OneDnnPaddingGuard}). */
    List<String> paddedConvolutions() {
        return OneDnnPaddingGuard.paddedConvolutions(block);
    }

    @Override
    public void close() {
        manager.close();
    }
}
