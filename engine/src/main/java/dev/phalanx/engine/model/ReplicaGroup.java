package dev.phalanx.engine.model;

import ai.djl.Device;
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.optim.Optimizer;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One worker's model on its devices: one {@link ModelReplica} per device, all reading the same
 * host parameter buffer. Each step splits the worker's batch evenly over the devices and sums the
 * devices' gradients on the host (divided by the device count, so the result is the mean over the
 * worker's whole batch) before the cross-worker all-reduce. With one device this is exactly that
 * device's replica.
 *
 * <p>The devices run one after another in the worker's thread: correct, but on several GPUs not yet
 * concurrent (see docs/GPU.md). Device-resident ({@link TensorTransfer#ON_DEVICE}), the first
 * device's replica takes the optimizer step and the others copy its parameters device to device;
 * each device's batch-norm statistics follow its own share of the batch and the first device's
 * are the ones saved.
 */
public final class ReplicaGroup implements AutoCloseable {

    private final List<ModelReplica> replicas;
    private final int featureLength;
    /** How many micro-batches the gradients since the last {@link #zeroGradients()} sum over. */
    private int accumulated = 1;

    private ReplicaGroup(List<ModelReplica> replicas, int featureLength) {
        this.replicas = replicas;
        this.featureLength = featureLength;
    }

    /**
     * Builds the named model on every device, initialised from {@code seed}.
     *
     * @param devices at least one; the first holds the parameter buffer the others read
     * @param transfer how tensors meet the host buffers, the same for every device
     */
    public static ReplicaGroup initialised(ModelSpec model, InputSpec input, long seed, List<Device> devices,
            TensorTransfer transfer) {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a replica group needs at least one device");
        }
        List<ModelReplica> replicas = new ArrayList<>();
        try {
            ModelReplica primary = ModelReplica.initialised(model, input, seed, devices.get(0), transfer);
            replicas.add(primary);
            for (Device device : devices.subList(1, devices.size())) {
                replicas.add(ModelReplica.sharing(primary, model, device, transfer));
            }
        } catch (RuntimeException e) {
            replicas.forEach(ModelReplica::close);
            throw e;
        }
        return new ReplicaGroup(List.copyOf(replicas), Math.toIntExact(input.sampleSize()));
    }

    /** Evaluates {@code count} samples on the first device; see {@link ModelReplica#evaluate}. */
    public Evaluation evaluate(FloatBuffer features, long[] labels, int count, Objective objective, int topK) {
        return replicas.get(0).evaluate(features, labels, count, objective, topK);
    }

    /** Returns the number of devices. */
    public int size() {
        return replicas.size();
    }

    /** The model's convolutions whose channels oneDNN pads on the CPU (see {@link ModelReplica#paddedConvolutions()}). */
    public List<String> paddedConvolutions() {
        return replicas.get(0).paddedConvolutions();
    }

    /** Returns the number of scalar parameters. */
    public int parameterCount() {
        return replicas.get(0).parameterCount();
    }

    /**
     * Returns the host parameters, current (see {@link ModelReplica#parameters()}); after writing
     * them call {@link #parametersChanged()}.
     */
    public FloatBuffer parameters() {
        return replicas.get(0).parameters();
    }

    /** Returns the host parameters as their direct buffer; see {@link ModelReplica#parameterBytes()}. */
    public ByteBuffer parameterBytes() {
        return replicas.get(0).parameterBytes();
    }

    /** See {@link ModelReplica#parameterBytesWithCurrent}; the first device's. */
    public ByteBuffer parameterBytesWithCurrent(int offset, int length) {
        return replicas.get(0).parameterBytesWithCurrent(offset, length);
    }

    /** Tells every device that the host parameters were written; see {@link ModelReplica#parametersChanged()}. */
    public void parametersChanged() {
        replicas.forEach(ModelReplica::parametersChanged);
    }

    /** Whether the parameters, gradients and optimizer live on the devices (see {@link TensorTransfer#ON_DEVICE}). */
    public boolean deviceResident() {
        return replicas.get(0).deviceResident();
    }

    /** Copies and bytes moved between host and devices since the group was built, all devices together. */
    public TransferCounts transfers() {
        TransferCounts sum = TransferCounts.NONE;
        for (ModelReplica replica : replicas) {
            sum = sum.plus(replica.transfers());
        }
        return sum;
    }

    /** Returns a copy of all parameters. */
    public float[] copyParameters() {
        return replicas.get(0).copyParameters();
    }

    /**
     * Runs forward and backward on one batch, each device taking an equal consecutive share.
     *
     * @param features the batch's samples, flattened, from position 0
     * @param labels class indices, one per sample; their count must be a multiple of {@link #size()}
     * @return the mean loss over the whole batch and its number of correct predictions
     */
    public ModelReplica.BatchOutcome forwardBackward(FloatBuffer features, long[] labels) {
        return forwardBackward(features, labels, Objective.CROSS_ENTROPY);
    }

    /** As {@link #forwardBackward(FloatBuffer, long[])}, minimising {@code objective}. */
    public ModelReplica.BatchOutcome forwardBackward(FloatBuffer features, long[] labels, Objective objective) {
        return forwardBackward(features, labels, LossFunction.of(objective));
    }

    /**
     * As {@link #forwardBackward(FloatBuffer, long[], LossFunction)} in {@code microBatches} equal
     * parts one after another (gradient accumulation): only one part's activations are held at a
     * time, and {@link #gradients()} gives the mean of the parts' gradients, the gradient of the mean
     * loss over the whole batch.
     *
     * @throws IllegalArgumentException when the batch does not split evenly
     */
    public ModelReplica.BatchOutcome forwardBackward(FloatBuffer features, long[] labels, LossFunction loss,
            int microBatches) {
        if (microBatches == 1) {
            return forwardBackward(features, labels, loss);
        }
        ModelReplica.BatchOutcome outcome = inParts(features, labels, microBatches, "micro-batches",
                (index, part, partLabels) -> forwardBackward(part, partLabels, loss));
        accumulated = microBatches;
        return outcome;
    }

    /** As {@link #forwardBackward(FloatBuffer, long[])}, minimising {@code loss}. */
    public ModelReplica.BatchOutcome forwardBackward(FloatBuffer features, long[] labels, LossFunction loss) {
        if (replicas.size() == 1) {
            return replicas.get(0).forwardBackward(features, labels, loss);
        }
        return inParts(features, labels, replicas.size(), "devices",
                (index, part, partLabels) -> replicas.get(index).forwardBackward(part, partLabels, loss));
    }

    /** One part's forward and backward pass. */
    private interface Part {
        ModelReplica.BatchOutcome run(int index, FloatBuffer features, long[] labels);
    }

    /**
     * Runs {@code part} on {@code parts} equal slices of the batch in turn and returns the mean of
     * their losses and the sum of their correct predictions.
     *
     * @throws IllegalArgumentException naming {@code what} when the batch does not split evenly
     */
    private ModelReplica.BatchOutcome inParts(FloatBuffer features, long[] labels, int parts, String what, Part part) {
        if (labels.length % parts != 0) {
            throw new IllegalArgumentException("a batch of " + labels.length + " cannot be split evenly over " + parts
                    + " " + what);
        }
        int share = labels.length / parts;
        double lossSum = 0;
        long correct = 0;
        for (int p = 0; p < parts; p++) {
            ModelReplica.BatchOutcome outcome = part.run(p, features.slice(p * share * featureLength,
                    share * featureLength), Arrays.copyOfRange(labels, p * share, (p + 1) * share));
            lossSum += outcome.meanLoss();
            correct += outcome.correct();
        }
        return new ModelReplica.BatchOutcome((float) (lossSum / parts), correct);
    }

    /**
     * Returns the worker's gradient — the mean of its devices' gradients — as the first device's
     * flat gradient buffer, in the flat parameter order, for the all-reduce. Call after {@link
     * #forwardBackward}. With one device and one micro-batch it stays where it was computed; the
     * mean over several devices or micro-batches is formed on the host.
     */
    public DeviceBuffer gradientBuffer() {
        if (replicas.size() == 1 && accumulated == 1) {
            return replicas.get(0).collectGradients();
        }
        gradients();
        return replicas.get(0).gradientBuffer();
    }

    /**
     * Applies {@code optimizer}'s next step to parameters {@code [offset, offset + length)} from the
     * averaged gradients in {@link #gradientBuffer()} (see {@link ModelReplica#update}); other
     * devices then take the updated parameters.
     */
    public void update(Optimizer optimizer, int offset, int length) {
        ModelReplica primary = replicas.get(0);
        primary.update(optimizer, offset, length);
        if (primary.deviceResident()) {
            for (ModelReplica other : replicas.subList(1, replicas.size())) {
                other.copyParametersFrom(primary);
            }
        }
    }

    /**
     * Returns the worker's gradient — the mean of its devices' gradients — as the first device's
     * flat host buffer, in the flat parameter order. Call after {@link #forwardBackward}.
     */
    public ByteBuffer gradients() {
        ByteBuffer first = replicas.get(0).gradients();
        // Scaled once: a second call before the next batch returns them as they are.
        int micro = accumulated;
        accumulated = 1;
        if (replicas.size() == 1) {
            if (micro > 1) {
                scale(first.asFloatBuffer(), 1f / micro);
                replicas.get(0).gradientBuffer().writtenOnHost();
            }
            return first;
        }
        FloatBuffer sum = first.asFloatBuffer();
        for (ModelReplica other : replicas.subList(1, replicas.size())) {
            FloatBuffer gradient = other.gradients().asFloatBuffer();
            for (int i = 0; i < sum.capacity(); i++) {
                sum.put(i, sum.get(i) + gradient.get(i));
            }
        }
        // Each device's loss is the mean over its share, so the mean of the shares' gradients is
        // the gradient of the mean over the whole batch (and likewise over accumulated micro-batches).
        scale(sum, 1f / (replicas.size() * micro));
        replicas.get(0).gradientBuffer().writtenOnHost();
        return first;
    }

    private static void scale(FloatBuffer values, float factor) {
        for (int i = 0; i < values.capacity(); i++) {
            values.put(i, values.get(i) * factor);
        }
    }

    /** Sets every device's gradients to zero, ready for the next backward pass. */
    public void zeroGradients() {
        replicas.forEach(ModelReplica::zeroGradients);
        accumulated = 1;
    }

    @Override
    public void close() {
        replicas.forEach(ModelReplica::close);
    }
}
