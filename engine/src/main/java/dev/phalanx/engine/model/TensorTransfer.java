package dev.phalanx.engine.model;

import ai.djl.Device;

/**
 * How a replica's parameter and gradient tensors meet the flat host buffers that the all-reduce
 * and the Java optimizer work on.
 */
public enum TensorTransfer {

    /**
     * CPU only: the tensors adopt the flat buffers' memory once, so nothing is copied per step.
     * PyTorch's {@code set} on a CPU tensor rebinds its storage to a direct buffer; a CUDA tensor
     * cannot live in host memory.
     */
    IN_PLACE,

    /**
     * Any device: the parameters are copied host to device before each forward pass and the
     * gradients device to host after each backward pass — one copy each way per parameter tensor,
     * into and out of the one flat buffer (the single all-reduce bucket). On the CPU only the
     * gradient copy is real (PyTorch adopts a CPU parameter buffer instead of copying it), which is
     * how the tests exercise this path without a GPU.
     */
    COPY;

    /** Returns what {@code device} needs: {@link #COPY} on a GPU, {@link #IN_PLACE} on the CPU. */
    public static TensorTransfer forDevice(Device device) {
        return device.isGpu() ? COPY : IN_PLACE;
    }
}
