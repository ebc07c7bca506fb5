package dev.phalanx.engine.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checks a TorchScript module must pass before Phalanx trains it, each one a thing DJL would
 * otherwise get silently wrong: parameters that share storage (DJL lists them twice, so an optimizer
 * would update the one tensor twice and an all-reduce would count it twice), outputs that are not one
 * score per class, outputs that are random in eval mode (a module traced in training mode keeps its
 * dropout on), and buffers that a training forward changes (batch norm's running statistics: DJL
 * cannot read or write a module's buffers, so they could be neither averaged across workers nor
 * checkpointed). Every failure is an {@link IllegalArgumentException} whose one-line message starts
 * with the module's name.
 */
final class TorchScriptProbe {

    /** Samples in the probe batch: batch norm refuses a batch of one in training mode. */
    static final int BATCH = 2;

    private TorchScriptProbe() {}

    /** Refuses a module without parameters or with parameters that are not float32. */
    static void requireFloatParameters(String name, List<String> names, List<NDArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException(name + " has no parameters, so there is nothing to train; "
                    + "expected a module with at least one parameter");
        }
        for (int i = 0; i < arrays.size(); i++) {
            DataType type = arrays.get(i).getDataType();
            if (type != DataType.FLOAT32) {
                throw new IllegalArgumentException(name + " has parameter " + names.get(i) + " of type "
                        + type + "; expected float32 parameters (call model.float() before saving)");
            }
        }
    }

    /**
     * Refuses parameters that share storage (tied weights). Among parameters of one shape, writes a
     * distinct marker into each one's first value and reads them back: a parameter that reads another's
     * marker shares its storage. The values are restored before returning.
     */
    static void requireUntied(String name, List<String> names, List<NDArray> arrays) {
        Map<Shape, List<Integer>> byShape = new LinkedHashMap<>();
        for (int i = 0; i < arrays.size(); i++) {
            if (arrays.get(i).size() > 0) {
                byShape.computeIfAbsent(arrays.get(i).getShape(), shape -> new ArrayList<>()).add(i);
            }
        }
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (List<Integer> group : byShape.values()) {
                if (group.size() > 1) {
                    requireUntied(name, names, arrays, group);
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static void requireUntied(String name, List<String> names, List<NDArray> arrays, List<Integer> group) {
        NDIndex first = new NDIndex(new long[arrays.get(group.get(0)).getShape().dimension()]);
        float[] originals = new float[group.size()];
        for (int j = 0; j < group.size(); j++) {
            originals[j] = firstValue(arrays.get(group.get(j)), first);
        }
        String tie = null;
        try {
            for (int j = 0; j < group.size(); j++) {
                arrays.get(group.get(j)).set(first, marker(j));
            }
            for (int j = 0; j < group.size() && tie == null; j++) {
                float seen = firstValue(arrays.get(group.get(j)), first);
                for (int k = 0; k < group.size() && seen != marker(j); k++) {
                    if (seen == marker(k)) {
                        tie = names.get(group.get(j)) + " and " + names.get(group.get(k));
                    }
                }
            }
        } finally {
            for (int j = group.size() - 1; j >= 0; j--) {
                arrays.get(group.get(j)).set(first, originals[j]);
            }
        }
        if (tie != null) {
            throw new IllegalArgumentException(name + " has tied parameters: " + tie + " share one tensor; "
                    + "expected every parameter to have its own storage (untie the weights before saving)");
        }
    }

    private static float marker(int j) {
        return Float.intBitsToFloat(0x7E000000 | j);
    }

    private static float firstValue(NDArray array, NDIndex first) {
        try (NDArray value = array.get(first)) {
            return value.getFloat();
        }
    }

    /**
     * Runs the module on a fixed batch of {@link #BATCH} inputs of shape {@code sampleShape}: twice in
     * eval mode (it must take the input, give a float32 {@code (BATCH, numClasses)} output and give the
     * same values both times), then once in training mode, which must leave every tensor of the module
     * as it was. Leaves the module in training mode. Its scratch tensors are made by {@code manager}.
     */
    static void checkForward(String name, PtSymbolBlock block, NDManager manager, Shape sampleShape,
            int numClasses) {
        Shape batchShape = new Shape(BATCH).addAll(sampleShape);
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray input = scratch.create(sampleValues(batchShape), batchShape);
            ParameterStore store = new ParameterStore(scratch, false);
            float[] once = evalOutputs(name, block, store, input, sampleShape, numClasses);
            float[] again = evalOutputs(name, block, store, input, sampleShape, numClasses);
            if (!Arrays.equals(once, again)) {
                throw new IllegalArgumentException(name + " gives different outputs for the same input in eval "
                        + "mode, as a module traced in training mode with dropout does; expected a deterministic "
                        + "module in eval mode (use torch.jit.script, or trace after model.eval())");
            }
            Map<String, ByteBuffer> before = tensorData(name, block);
            forward(name, block, store, input, true, sampleShape).close();
            Map<String, ByteBuffer> after = tensorData(name, block);
            if (!before.equals(after)) {
                throw new IllegalArgumentException(name + " has buffers that a training forward changes (such as "
                        + "batch norm's running statistics), which DJL cannot read, average or checkpoint; "
                        + "expected a module whose only training state is its parameters");
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }

    private static float[] evalOutputs(String name, PtSymbolBlock block, ParameterStore store, NDArray input,
            Shape sampleShape, int numClasses) {
        try (NDList outputs = forward(name, block, store, input, false, sampleShape)) {
            Shape expected = new Shape(BATCH, numClasses);
            if (outputs.size() != 1) {
                throw new IllegalArgumentException(name + " gives " + outputs.size() + " outputs for a batch of "
                        + BATCH + " inputs of shape " + sampleShape + "; expected one tensor of shape " + expected);
            }
            NDArray output = outputs.head();
            if (!output.getShape().equals(expected) || output.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException(name + " gives a " + output.getDataType() + " output of shape "
                        + output.getShape() + " for a batch of " + BATCH + " inputs of shape " + sampleShape
                        + "; expected float32 scores of shape " + expected + " for " + numClasses + " classes");
            }
            return output.toFloatArray();
        }
    }

    private static NDList forward(String name, PtSymbolBlock block, ParameterStore store, NDArray input,
            boolean training, Shape sampleShape) {
        try {
            return block.forward(store, new NDList(input), training);
        } catch (EngineException e) {
            throw new IllegalArgumentException(name + " rejects a batch of " + BATCH + " inputs of shape "
                    + sampleShape + " (" + reason(e) + "); expected a module that takes (batch, "
                    + sampleShape.toString().replaceAll("[()]", "") + ") float32 inputs", e);
        }
    }

    /** Returns the module's tensor data as PyTorch saves it now. */
    private static Map<String, ByteBuffer> tensorData(String name, PtSymbolBlock block) {
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        JniUtils.writeModule(block, saved, false);
        return TorchScriptArchive.read(name, saved.toByteArray()).tensorData();
    }

    /** Fixed values in [-0.5, 0.5) that vary along every axis (a constant batch hides some modules' faults). */
    private static float[] sampleValues(Shape shape) {
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (((i * 7919L + 13) % 1009) / 1009.0 - 0.5);
        }
        return values;
    }

    /**
     * Returns the line of a PyTorch error that says what went wrong: the last {@code …Error: …} line of
     * a TorchScript traceback, else the first line.
     */
    static String reason(Throwable error) {
        String message = String.valueOf(error.getMessage());
        int plea = message.indexOf("(Could this error message be improved?");
        message = (plea < 0 ? message : message.substring(0, plea)).strip();
        String[] lines = message.split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            String line = lines[i].strip();
            if (line.matches("\\w*(Error|Exception): .*")) {
                return line.substring(line.indexOf(": ") + 2);
            }
        }
        return lines[0].strip();
    }
}
