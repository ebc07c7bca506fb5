package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A classifier written in PyTorch and saved as TorchScript ({@code torch.jit.script} or
 * {@code torch.jit.trace}, then {@code save}), loaded as a DJL block that Phalanx can train: in
 * training mode, every parameter requiring gradients, the parameters in a stable order (the module's
 * own registration order); and exported back as plain TorchScript that PyTorch loads.
 *
 * <p>Why it is more than DJL's {@code Model.load}: DJL's {@link PtSymbolBlock} loaded from a path is
 * put in eval mode while the block believes it is training, so dropout would stay off in training. It
 * is loaded here from bytes and switched to training mode explicitly. DJL reaches a module's
 * parameters but not its buffers, so a module whose buffers change while it trains (batch norm's
 * running statistics) is refused rather than trained with statistics no worker averages and no
 * checkpoint keeps; {@link TorchScriptProbe} lists the other refusals. All refusals are
 * {@link IllegalArgumentException}s with a one-line message that starts with the module's name.
 */
public final class TorchScriptModule implements AutoCloseable {

    private final String name;
    private final NDManager manager;
    private final PtSymbolBlock block;
    private final List<String> names;
    private final List<NDArray> arrays;
    private final List<Shape> shapes;

    private TorchScriptModule(String name, NDManager manager, PtSymbolBlock block, List<String> names,
            List<NDArray> arrays) {
        this.name = name;
        this.manager = manager;
        this.block = block;
        this.names = Collections.unmodifiableList(names);
        this.arrays = Collections.unmodifiableList(arrays);
        List<Shape> shapes = new ArrayList<>();
        for (NDArray array : arrays) {
            shapes.add(array.getShape());
        }
        this.shapes = Collections.unmodifiableList(shapes);
    }

    /**
     * Reads a TorchScript file and loads it as {@link #load(String, byte[], NDManager, Shape, int)} does.
     *
     * @throws IOException if reading {@code in} fails
     */
    public static TorchScriptModule load(String name, InputStream in, NDManager manager, Shape sampleShape,
            int numClasses) throws IOException {
        return load(name, in.readAllBytes(), manager, sampleShape, numClasses);
    }

    /**
     * Loads a TorchScript classifier on {@code manager}'s device, checks it, and returns it in training
     * mode with gradients required on every parameter.
     *
     * @param name what the module is called in errors (its file's path or URI)
     * @param bytes the file that {@code torch.jit.save} wrote
     * @param manager a PyTorch manager; the module's tensors live in a sub-manager of it, closed by
     *     {@link #close()}
     * @param sampleShape the shape of one input sample, without the batch axis, e.g. {@code (1, 28, 28)}
     * @param numClasses the number of scores the module must give per sample
     * @throws IllegalArgumentException naming {@code name} if the bytes are not a whole TorchScript file,
     *     if PyTorch cannot load them, or if the module fails a {@link TorchScriptProbe} check
     */
    public static TorchScriptModule load(String name, byte[] bytes, NDManager manager, Shape sampleShape,
            int numClasses) {
        if (!(manager instanceof PtNDManager)) {
            throw new IllegalArgumentException("TorchScript module " + name + " needs a PyTorch NDManager, got "
                    + manager.getClass().getName());
        }
        TorchScriptArchive.read(name, bytes);
        NDManager owned = manager.newSubManager();
        try {
            PtSymbolBlock block = loadBlock(name, bytes, (PtNDManager) owned, owned.getDevice());
            JniUtils.enableTrainingMode(block);
            List<String> names = new ArrayList<>();
            List<NDArray> arrays = new ArrayList<>();
            for (Pair<String, Parameter> parameter : block.getDirectParameters()) {
                names.add(parameter.getKey());
                arrays.add(parameter.getValue().getArray());
            }
            TorchScriptProbe.requireFloatParameters(name, names, arrays);
            TorchScriptProbe.requireUntied(name, names, arrays);
            TorchScriptProbe.checkForward(name, block, owned, sampleShape, numClasses);
            for (NDArray array : arrays) {
                array.setRequiresGradient(true);
            }
            return new TorchScriptModule(name, owned, block, names, arrays);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    private static PtSymbolBlock loadBlock(String name, byte[] bytes, PtNDManager manager, Device device) {
        try {
            long handle = JniUtils.loadModuleHandle(new ByteArrayInputStream(bytes), device, true, false);
            return new PtSymbolBlock(manager, handle);
        } catch (EngineException | IOException e) {
            throw new IllegalArgumentException(name + " could not be loaded by PyTorch ("
                    + TorchScriptProbe.reason(e) + "); expected a module saved by torch.jit.save", e);
        }
    }

    /** Returns what the module is called in errors. */
    public String name() {
        return name;
    }

    /** Returns the module as a DJL block (a {@link PtSymbolBlock}); its forward's {@code training} flag sets the mode. */
    public Block block() {
        return block;
    }

    /** Returns the parameters' names, e.g. {@code fc1.weight}, in the module's registration order. */
    public List<String> parameterNames() {
        return names;
    }

    /** Returns the parameters' shapes, in {@link #parameterNames()} order. */
    public List<Shape> parameterShapes() {
        return shapes;
    }

    /** Returns the module's own parameter tensors (not copies), in {@link #parameterNames()} order. */
    public List<NDArray> parameters() {
        return arrays;
    }

    /** Returns the number of scalar parameters. */
    public long parameterCount() {
        long count = 0;
        for (Shape shape : shapes) {
            count += shape.size();
        }
        return count;
    }

    /**
     * Writes the module as plain TorchScript that {@code torch.jit.load} reads: a CPU copy in eval mode
     * with the parameters' current values. This module stays as it is.
     *
     * @throws IOException if writing to {@code out} fails
     */
    public void export(OutputStream out) throws IOException {
        ByteArrayOutputStream current = new ByteArrayOutputStream();
        JniUtils.writeModule(block, current, false);
        try (NDManager cpu = manager.getEngine().newBaseManager(Device.cpu())) {
            PtSymbolBlock copy = loadBlock(name, current.toByteArray(), (PtNDManager) cpu, Device.cpu());
            JniUtils.enableInferenceMode(copy);
            ByteArrayOutputStream exported = new ByteArrayOutputStream();
            JniUtils.writeModule(copy, exported, false);
            exported.writeTo(out);
        }
    }

    /** Frees the module and its tensors. */
    @Override
    public void close() {
        manager.close();
    }
}
