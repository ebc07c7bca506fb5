package dev.phalanx.engine.optim;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * An optimizer whose update is a few whole-buffer PyTorch tensor operations, run where the
 * parameters live: on a GPU the parameters, gradients and optimizer state stay in device memory and
 * the host never waits on the update.
 *
 * <p>One step is two calls. {@link #nextStep} advances the step count and writes the step's scalars
 * (learning rate, bias corrections, decay) into a small host buffer; the caller moves them to the
 * device together with the averaged gradients, in the same copy, because an operation with a Java
 * scalar argument costs a blocking one-value copy on a GPU. {@link #apply} then updates the
 * parameters from the gradients with those scalars, on their device. The state tensors are created
 * on the parameters' device at the first {@code apply}; {@link #state()} copies them to the host
 * (for a checkpoint) and {@link #restore} puts saved values back.
 *
 * <p>{@link #step(FloatBuffer, FloatBuffer)} runs the same operations on CPU tensors over host
 * buffers, so the tensor form meets the same golden values as the Java optimizers.
 */
public abstract class TensorOptimizer implements Optimizer {

    private final int size;
    private final int stateBuffers;
    /** The learning rate of the next step. */
    protected float learningRate;
    /** How many updates have been applied. */
    protected long steps;
    private NDManager manager;
    private NDArray[] state;
    /** Restored values not yet on the device, or null. */
    private float[][] pending;

    /**
     * @param size how many parameters it updates
     * @param stateBuffers how many per-parameter state arrays it keeps
     */
    protected TensorOptimizer(int size, int stateBuffers, float learningRate) {
        this.size = size;
        this.stateBuffers = stateBuffers;
        this.learningRate = learningRate;
    }

    @Override
    public final void setLearningRate(float learningRate) {
        this.learningRate = learningRate;
    }

    /** Returns how many scalars {@link #nextStep} writes. */
    public abstract int scalarCount();

    /**
     * Advances to the next step and writes its scalars into {@code scalars}, from index 0, for
     * {@link #apply} to read on the device.
     */
    public final void nextStep(FloatBuffer scalars) {
        steps++;
        writeScalars(scalars);
    }

    /** Writes the scalars of step {@link #steps} (already counted) from index 0. */
    protected abstract void writeScalars(FloatBuffer scalars);

    /**
     * Applies the step {@link #nextStep} prepared to {@code params} (updated in place) from {@code
     * gradients} (used as scratch: their values are not kept), all on one device.
     *
     * @param params the parameters, a 1-D float32 tensor of {@code size} values
     * @param gradients their averaged gradients, the same shape and device
     * @param scalars a 1-D float32 tensor on that device holding what {@link #nextStep} wrote
     */
    public final void apply(NDArray params, NDArray gradients, NDArray scalars) {
        if (params.size() != size || gradients.size() != size) {
            throw new IllegalArgumentException("optimizer for " + size + " parameters was given " + params.size()
                    + " parameters and " + gradients.size() + " gradients");
        }
        NDArray[] moments = stateOn(params);
        List<NDArray> views = new ArrayList<>();
        try {
            for (int i = 0; i < scalarCount(); i++) {
                views.add(JniUtils.slice((PtNDArray) scalars, 0, i, i + 1, 1));
            }
            update(params, gradients, moments, views.toArray(NDArray[]::new));
        } finally {
            views.forEach(NDArray::close);
        }
    }

    /**
     * Updates {@code params} in place from {@code gradients} and the state tensors, with the
     * step's scalars as one-element tensors in the order {@link #writeScalars} wrote them.
     * Temporaries must be closed before returning.
     */
    protected abstract void update(NDArray params, NDArray gradients, NDArray[] state, NDArray[] scalars);

    /** Returns the state tensors on the parameters' device, creating or moving them there first. */
    private NDArray[] stateOn(NDArray params) {
        Device device = params.getDevice();
        if (state != null && !state[0].getDevice().equals(device)) {
            pending = hostState();
            closeState();
        }
        if (state == null) {
            manager = params.getManager().getEngine().newBaseManager(device);
            state = new NDArray[stateBuffers];
            for (int i = 0; i < stateBuffers; i++) {
                state[i] = pending == null ? manager.zeros(new Shape(size), DataType.FLOAT32)
                        : manager.create(pending[i]);
            }
            pending = null;
        }
        return state;
    }

    private float[][] hostState() {
        float[][] values = new float[stateBuffers][];
        for (int i = 0; i < stateBuffers; i++) {
            values[i] = state != null ? state[i].toFloatArray()
                    : pending != null ? pending[i].clone() : new float[size];
        }
        return values;
    }

    @Override
    public final OptimizerState state() {
        return new OptimizerState(name(), steps, List.of(hostState()));
    }

    @Override
    public final void restore(OptimizerState saved) {
        Optimizers.check(saved, name(), stateBuffers, size);
        float[][] values = new float[stateBuffers][];
        for (int i = 0; i < stateBuffers; i++) {
            values[i] = saved.buffers().get(i).clone();
        }
        closeState();
        pending = values;
        steps = saved.steps();
    }

    /**
     * Applies one update to host buffers by running the tensor operations on the CPU over copies
     * of them (the form the golden tests use; training calls {@link #nextStep} and {@link #apply}).
     */
    @Override
    public final void step(FloatBuffer params, FloatBuffer gradients) {
        try (NDManager cpu = Engine.getEngine("PyTorch").newBaseManager(Device.cpu())) {
            float[] p = new float[size];
            float[] g = new float[size];
            params.get(0, p);
            gradients.get(0, g);
            FloatBuffer scalars = ByteBuffer.allocateDirect(Math.max(1, scalarCount()) * Float.BYTES)
                    .order(ByteOrder.nativeOrder()).asFloatBuffer();
            nextStep(scalars);
            float[] s = new float[scalarCount()];
            scalars.get(0, s);
            NDArray tensor = cpu.create(p);
            apply(tensor, cpu.create(g), cpu.create(s));
            params.put(0, tensor.toFloatArray());
        }
    }

    private void closeState() {
        if (manager != null) {
            manager.close();
        }
        manager = null;
        state = null;
    }

    /** Releases the state tensors. */
    @Override
    public void close() {
        closeState();
    }
}
