package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.optim.TensorOptimizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A device-resident replica's flat tensors on its device — all parameters in one, the gathered
 * gradients plus the optimizer's per-step scalars in another — and their host copies in direct
 * buffers, with which side of each is current. Every copy between the two is one PyTorch {@code
 * copy_} of a whole region between a device tensor and a CPU tensor over the direct buffer's own
 * memory (no staging array), and is counted ({@link TransferCounts}).
 *
 * <p>The gradients are the device buffer a {@link dev.phalanx.engine.collective.Communicator}
 * reduces: it takes them to the host only when its transport needs them there, and an update takes
 * them back only if the host wrote them; otherwise only the scalars travel.
 */
final class DeviceFlats implements DeviceBuffer, AutoCloseable {

    /** Room for the per-step scalars of any optimizer, after the gradients. */
    static final int SCALARS = 16;

    private enum Current { DEVICE, BOTH, HOST }

    private final int count;
    private final NDManager manager;
    private final NDManager host;
    private final NDArray parameters;
    private final NDArray hostParameters;
    private final ByteBuffer hostGradientBytes;
    private final NDArray hostGradients;
    /** Zeros that stand for the scalars when the gradients are gathered. */
    private final NDArray scalarPlaceholder;
    /** The last gathered gradients and scalars on the device, or null before the first gather. */
    private NDArray gradients;
    private Current gradientsCurrent = Current.HOST;
    private boolean parametersOnHost = true;
    private TransferCounts transfers = TransferCounts.NONE;

    /**
     * @param deviceManager the model's manager, on the device where the flat tensors live
     * @param hostParameters the replica's flat host parameters, a direct buffer the host tensor adopts
     */
    DeviceFlats(NDManager deviceManager, ByteBuffer hostParameters) {
        this.count = hostParameters.capacity() / Float.BYTES;
        this.manager = deviceManager.newSubManager();
        this.host = deviceManager.getEngine().newBaseManager(Device.cpu());
        try {
            this.parameters = manager.zeros(new Shape(count), DataType.FLOAT32);
            this.scalarPlaceholder = manager.zeros(new Shape(SCALARS), DataType.FLOAT32);
            // A CPU tensor created from a direct native-order buffer uses that buffer's memory.
            this.hostParameters = host.create(hostParameters.duplicate().clear().order(ByteOrder.nativeOrder()),
                    new Shape(count), DataType.FLOAT32);
            this.hostGradientBytes = ByteBuffer.allocateDirect((count + SCALARS) * Float.BYTES)
                    .order(ByteOrder.nativeOrder());
            this.hostGradients = host.create(hostGradientBytes.duplicate(), new Shape(count + SCALARS),
                    DataType.FLOAT32);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The parameters on the device, one 1-D float32 tensor in flat order. */
    NDArray parameters() {
        return parameters;
    }

    /** Copies the host parameters to the device (after the host wrote them). */
    void uploadParameters() {
        copy(parameters, hostParameters, 0, count);
        transfers = transfers.plusToDevice((long) count * Float.BYTES);
        parametersOnHost = true;
    }

    /** Copies the parameters off the device into the host buffer, if the device changed them since. */
    void downloadParameters() {
        if (!parametersOnHost) {
            copy(hostParameters, parameters, 0, count);
            transfers = transfers.plusToHost((long) count * Float.BYTES);
            parametersOnHost = true;
        }
    }

    /**
     * Copies parameters {@code [offset, offset + length)} off the device into the host buffer, the
     * rest of which stays as it was: for an all-gather that overwrites the rest and is followed by
     * {@link #uploadParameters()}.
     */
    void downloadParameters(int offset, int length) {
        if (!parametersOnHost) {
            copy(hostParameters, parameters, offset, offset + length);
            transfers = transfers.plusToHost((long) length * Float.BYTES);
        }
    }

    /** Takes the gradients just gathered on the device (flat order, then {@link #SCALARS} slots). */
    void gathered(NDArray flat) {
        if (gradients != null) {
            gradients.close();
        }
        gradients = flat;
        gradientsCurrent = Current.DEVICE;
    }

    /** What stands for the scalars at the end of a gather. */
    NDArray scalarPlaceholder() {
        return scalarPlaceholder;
    }

    @Override
    public int floats() {
        return count;
    }

    @Override
    public ByteBuffer onHost() {
        if (gradientsCurrent == Current.DEVICE) {
            copy(hostGradients, gradients, 0, count);
            transfers = transfers.plusToHost((long) count * Float.BYTES);
            gradientsCurrent = Current.BOTH;
        }
        return hostGradientBytes.duplicate().clear().limit(count * Float.BYTES).slice().order(ByteOrder.nativeOrder());
    }

    @Override
    public void writtenOnHost() {
        gradientsCurrent = Current.HOST;
    }

    /**
     * Applies {@code optimizer}'s next step to parameters {@code [offset, offset + length)} on the
     * device from the averaged gradients: one host-to-device copy of the gradients and the step's
     * scalars when the host wrote the gradients, else of the scalars alone.
     */
    void update(TensorOptimizer optimizer, int offset, int length) {
        if (gradients == null) {
            throw new IllegalStateException("no gradients to apply: run a forward and backward pass first");
        }
        if (optimizer.scalarCount() > SCALARS) {
            throw new IllegalArgumentException("optimizer '" + optimizer.name() + "' needs " + optimizer.scalarCount()
                    + " scalars per step; a device-resident replica has room for " + SCALARS);
        }
        FloatBuffer scalars = hostGradientBytes.duplicate().clear().position(count * Float.BYTES).slice()
                .order(ByteOrder.nativeOrder()).asFloatBuffer();
        optimizer.nextStep(scalars);
        if (gradientsCurrent == Current.HOST) {
            copy(gradients, hostGradients, 0, count + SCALARS);
            transfers = transfers.plusToDevice((long) (count + SCALARS) * Float.BYTES);
        } else {
            copy(gradients, hostGradients, count, count + SCALARS);
            transfers = transfers.plusToDevice((long) SCALARS * Float.BYTES);
        }
        gradientsCurrent = Current.BOTH;
        boolean callersGradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDArray p = slice(parameters, offset, offset + length);
                NDArray g = slice(gradients, offset, offset + length);
                NDArray s = slice(gradients, count, count + SCALARS)) {
            optimizer.apply(p, g, s);
        } finally {
            JniUtils.setGradMode(callersGradMode);
        }
        parametersOnHost = false;
    }

    /** Replaces the device parameters by {@code source}'s, device to device (not counted: no host copy). */
    void copyParametersFrom(DeviceFlats source) {
        copy(parameters, source.parameters, 0, count);
        parametersOnHost = false;
    }

    /** Copies and bytes moved between host and device so far. */
    TransferCounts transfers() {
        return transfers;
    }

    /** Copies {@code source[from, to)} into {@code target[from, to)}, across devices if they differ. */
    private static void copy(NDArray target, NDArray source, int from, int to) {
        try (NDArray region = slice(source, from, to)) {
            JniUtils.indexSet((PtNDArray) target, (PtNDArray) region, new long[] {from}, new long[] {to},
                    new long[] {1});
        }
    }

    /** A view of {@code flat[from, to)}. */
    static NDArray slice(NDArray flat, long from, long to) {
        return JniUtils.slice((PtNDArray) flat, 0, from, to, 1);
    }

    @Override
    public void close() {
        if (gradients != null) {
            gradients.close();
        }
        if (host != null) {
            host.close();
        }
        if (manager != null) {
            manager.close();
        }
    }
}
