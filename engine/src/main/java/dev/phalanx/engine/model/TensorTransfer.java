package dev.phalanx.engine.model;

import ai.djl.Device;

/**
 * Where a replica's parameter and gradient tensors live, and so how they meet the flat host
 * buffers that the all-reduce, checkpoints and results work on.
 */
public enum TensorTransfer {

    /**
     * CPU only: the tensors adopt the flat host buffers' memory once, so nothing is copied per step
     * and the Java optimizer updates the parameters where PyTorch reads them. PyTorch's {@code set}
     * on a CPU tensor rebinds its storage to a direct buffer; a CUDA tensor cannot live in host
     * memory.
     */
    IN_PLACE,

    /**
     * Any device: the parameters are one flat tensor on the device and the model's tensors are
     * views of it; the gradients are gathered into one flat device tensor; a tensor optimizer
     * updates the parameters there. Per step at most one device-to-host copy of the gradients (when
     * the all-reduce needs them on the host) and one host-to-device copy of the averaged gradients
     * with the optimizer's scalars; the host parameter buffer is refreshed only when read
     * (checkpoint, result, sharded all-gather). What the forward pass writes into its tensors (batch
     * norm's running statistics) is therefore what is saved. On the CPU the flat tensors are
     * PyTorch's own memory, separate from the host buffers, which is how the tests exercise every
     * copy of this path without a GPU.
     */
    ON_DEVICE;

    /** Returns what {@code device} needs: {@link #ON_DEVICE} on a GPU, {@link #IN_PLACE} on the CPU. */
    public static TensorTransfer forDevice(Device device) {
        return device.isGpu() ? ON_DEVICE : IN_PLACE;
    }
}
