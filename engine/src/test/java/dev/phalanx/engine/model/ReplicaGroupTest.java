package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.optim.Optimizer;
import dev.phalanx.engine.optim.Optimizers;
import dev.phalanx.engine.optim.TensorOptimizer;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The GPU code paths, run on the CPU with real PyTorch: the device-resident step a GPU needs, and a
 * worker with several devices summing their gradients locally.
 */
class ReplicaGroupTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final int STEPS = 3;
    private static final float LEARNING_RATE = 0.1f;

    private static final InputSpec COLOUR = new InputSpec(new long[] {3, 32, 32}, 10);

    /**
     * The device-resident path on the CPU, where its flat tensors are PyTorch's own memory apart
     * from the host buffers, so every copy a GPU would make is made: parameters, losses and
     * batch-norm statistics equal the in-place binding's, with SGD (whose tensor form rounds as the
     * Java loop does) over several steps.
     */
    @Test
    void theDeviceResidentStepTrainsExactlyLikeTheInPlaceBinding() {
        for (String model : new String[] {"mlp", "cnn", "resnet(width=8)"}) {
            InputSpec input = model.startsWith("resnet") ? COLOUR : IMAGES;
            try (ReplicaGroup inPlace = ReplicaGroup.initialised(ModelSpec.parse(model), input, 4,
                            List.of(Device.cpu()), TensorTransfer.IN_PLACE);
                    ReplicaGroup onDevice = ReplicaGroup.initialised(ModelSpec.parse(model), input, 4,
                            List.of(Device.cpu()), TensorTransfer.ON_DEVICE);
                    TensorOptimizer tensors = Optimizers.onTensors("sgd", inPlace.parameterCount(), LEARNING_RATE,
                            0.9f, 1e-4f)) {
                assertTrue(onDevice.deviceResident());
                Optimizer java = Optimizers.create("sgd", inPlace.parameterCount(), LEARNING_RATE, 0.9f, 1e-4f);
                for (int step = 0; step < STEPS; step++) {
                    long[] labels = labels(8, step);
                    assertEquals(inPlace.forwardBackward(batch(input, 8, step), labels),
                            onDevice.forwardBackward(batch(input, 8, step), labels), model + " step " + step);
                    // As the all-reduce over the TCP ring sees them: on the host.
                    float[] expected = hostGradients(inPlace.gradientBuffer());
                    assertArrayEquals(expected, hostGradients(onDevice.gradientBuffer()), model + " gradients " + step);
                    inPlace.update(java, 0, inPlace.parameterCount());
                    onDevice.update(tensors, 0, onDevice.parameterCount());
                    inPlace.zeroGradients();
                    onDevice.zeroGradients();
                }
                assertArrayEquals(inPlace.copyParameters(), onDevice.copyParameters(), model + " parameters");
            }
        }
    }

    /**
     * A TorchScript module owns its tensors, so device-resident it starts from its own values and
     * takes the flat device tensor's after every update, by copies on the device: it trains as the
     * in-place binding does, with Adam's tensor form within float rounding of the Java loop.
     */
    @Test
    void aTorchScriptModuleTrainsDeviceResidentAsInPlace() {
        ModelSpec module = ModelSpec.parse("torchscript(path=\"" + Path.of("src", "test", "resources", "torchscript",
                "small_net.pt").toAbsolutePath().toUri() + "\")");
        try (ReplicaGroup inPlace = ReplicaGroup.initialised(module, IMAGES, 1, List.of(Device.cpu()),
                        TensorTransfer.IN_PLACE);
                ReplicaGroup onDevice = ReplicaGroup.initialised(module, IMAGES, 1, List.of(Device.cpu()),
                        TensorTransfer.ON_DEVICE);
                TensorOptimizer tensors = Optimizers.onTensors("adam", inPlace.parameterCount(), 1e-2f, 0f, 0f)) {
            Optimizer java = Optimizers.create("adam", inPlace.parameterCount(), 1e-2f, 0f, 0f);
            assertArrayEquals(inPlace.copyParameters(), onDevice.copyParameters(), "the module's own initial values");
            for (int step = 0; step < STEPS; step++) {
                long[] labels = labels(8, step);
                assertEquals(inPlace.forwardBackward(batch(IMAGES, 8, step), labels).meanLoss(),
                        onDevice.forwardBackward(batch(IMAGES, 8, step), labels).meanLoss(), 1e-5, "step " + step);
                update(inPlace, java);
                update(onDevice, tensors);
            }
            float[] expected = inPlace.copyParameters();
            float[] actual = onDevice.copyParameters();
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], actual[i], 1e-5 + 1e-4 * Math.abs(expected[i]), "parameter " + i);
            }
            assertFalse(Arrays.equals(onDevice.copyParameters(), initialOf(module)), "the module trained");
        }
    }

    private static float[] initialOf(ModelSpec module) {
        try (ReplicaGroup fresh = ReplicaGroup.initialised(module, IMAGES, 1, List.of(Device.cpu()),
                TensorTransfer.IN_PLACE)) {
            return fresh.copyParameters();
        }
    }

    /**
     * Batch norm's running statistics are written by the forward pass into the model's tensors; on a
     * device those are the flat device tensor's views, so the statistics the host reads (checkpoint,
     * result, export) are the trained ones, as with the in-place binding, not the initial ones.
     * Pushing the host's values to the device before each forward pass, as the replica once did,
     * fails this test.
     */
    @Test
    void batchNormStatisticsTrainedOnTheDeviceAreTheOnesTheHostReads() {
        ModelSpec resnet = ModelSpec.parse("resnet(width=8)");
        try (ReplicaGroup inPlace = ReplicaGroup.initialised(resnet, COLOUR, 5, List.of(Device.cpu()),
                        TensorTransfer.IN_PLACE);
                ReplicaGroup onDevice = ReplicaGroup.initialised(resnet, COLOUR, 5, List.of(Device.cpu()),
                        TensorTransfer.ON_DEVICE);
                TensorOptimizer tensors = Optimizers.onTensors("adam", inPlace.parameterCount(), 1e-3f, 0f, 0f)) {
            Optimizer java = Optimizers.create("adam", inPlace.parameterCount(), 1e-3f, 0f, 0f);
            float[] initial = onDevice.copyParameters();
            for (int step = 0; step < STEPS; step++) {
                long[] labels = labels(8, step);
                inPlace.forwardBackward(batch(COLOUR, 8, step), labels);
                onDevice.forwardBackward(batch(COLOUR, 8, step), labels);
                update(inPlace, java);
                update(onDevice, tensors);
            }
            float[] expected = inPlace.copyParameters();
            float[] actual = onDevice.copyParameters();
            ParameterLayout layout = ModelReplica.parameterLayout(resnet, COLOUR);
            int statistics = 0;
            long offset = 0;
            for (int i = 0; i < layout.names().size(); i++) {
                int size = Math.toIntExact(layout.sizes().get(i));
                if (layout.names().get(i).contains("running")) {
                    statistics++;
                    float[] trained = Arrays.copyOfRange(expected, (int) offset, (int) offset + size);
                    assertFalse(Arrays.equals(trained, Arrays.copyOfRange(initial, (int) offset, (int) offset + size)),
                            layout.names().get(i) + " did not change in training");
                    // Adam's tensor form agrees with the Java loop to within float rounding, which
                    // reaches the statistics through the next forward passes.
                    for (int j = 0; j < size; j++) {
                        assertEquals(trained[j], actual[(int) offset + j], 1e-4 * Math.max(1, Math.abs(trained[j])),
                                layout.names().get(i) + "[" + j + "]");
                    }
                }
                offset += size;
            }
            assertTrue(statistics >= 4, "resnet has " + statistics + " running statistics");
        }
    }

    /**
     * The copies a device-resident step makes, counted: with the all-reduce on the host, one copy
     * of the gradients off the device and one of the averaged gradients and the optimizer's scalars
     * back; with nothing to reduce (one rank), only the scalars go to the device. The parameters
     * come off the device only when read.
     */
    @Test
    void aDeviceResidentStepCopiesTheGradientsOnceEachWay() {
        try (ReplicaGroup group = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 3, List.of(Device.cpu()),
                        TensorTransfer.ON_DEVICE);
                TensorOptimizer adam = Optimizers.onTensors("adam", group.parameterCount(), 1e-3f, 0f, 0f)) {
            long bytes = (long) group.parameterCount() * Float.BYTES;
            long scalarBytes = (long) DeviceFlats.SCALARS * Float.BYTES;
            TransferCounts before = group.transfers();
            group.forwardBackward(batch(IMAGES, 8, 0), labels(8, 0));
            DeviceBuffer gradients = group.gradientBuffer();
            gradients.onHost();
            gradients.writtenOnHost();
            group.update(adam, 0, group.parameterCount());
            group.zeroGradients();
            assertEquals(new TransferCounts(1, bytes, 1, bytes + scalarBytes), group.transfers().since(before),
                    "a step whose all-reduce runs on the host");
            before = group.transfers();
            group.forwardBackward(batch(IMAGES, 8, 1), labels(8, 1));
            group.gradientBuffer();
            group.update(adam, 0, group.parameterCount());
            group.zeroGradients();
            assertEquals(new TransferCounts(0, 0, 1, scalarBytes), group.transfers().since(before),
                    "a step with nothing to reduce");
            before = group.transfers();
            group.copyParameters();
            group.copyParameters();
            assertEquals(new TransferCounts(1, bytes, 0, 0), group.transfers().since(before), "reading the parameters");
        }
    }

    @Test
    void aDeviceResidentReplicaRefusesAJavaOptimizer() {
        try (ReplicaGroup group = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 3, List.of(Device.cpu()),
                TensorTransfer.ON_DEVICE)) {
            group.forwardBackward(batch(IMAGES, 4, 0), labels(4, 0));
            group.gradientBuffer();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> group.update(Optimizers.create("sgd", group.parameterCount(), 0.1f, 0f), 0,
                            group.parameterCount()));
            assertTrue(e.getMessage().contains("Optimizers.onTensors"), e.getMessage());
        }
    }

    /** Takes the group's gradients as one rank would (nothing to reduce), applies {@code optimizer}, clears them. */
    private static void update(ReplicaGroup group, Optimizer optimizer) {
        group.gradientBuffer();
        group.update(optimizer, 0, group.parameterCount());
        group.zeroGradients();
    }

    private static float[] hostGradients(DeviceBuffer buffer) {
        float[] values = new float[buffer.floats()];
        buffer.onHost().asFloatBuffer().get(values);
        return values;
    }

    private static FloatBuffer batch(InputSpec input, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(count * input.sampleSize())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        return FloatBuffer.wrap(values);
    }

    @Test
    void twoDevicesGiveTheGradientOfTheWholeBatch() {
        try (ReplicaGroup one = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu()),
                        TensorTransfer.IN_PLACE);
                ReplicaGroup two = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu(), Device.cpu()),
                        TensorTransfer.ON_DEVICE);
                TensorOptimizer tensors = Optimizers.onTensors("sgd", one.parameterCount(), LEARNING_RATE, 0f, 0f)) {
            Optimizer java = Optimizers.create("sgd", one.parameterCount(), LEARNING_RATE, 0f);
            assertEquals(2, two.size());
            // Several steps: the second device must take the first device's updated parameters.
            for (int step = 0; step < STEPS; step++) {
                long[] labels = labels(16, step);
                ModelReplica.BatchOutcome whole = one.forwardBackward(randomBatch(16, step), labels);
                ModelReplica.BatchOutcome halves = two.forwardBackward(randomBatch(16, step), labels);
                assertEquals(whole.meanLoss(), halves.meanLoss(), 1e-5, "loss of step " + step);
                assertEquals(whole.correct(), halves.correct(), "correct of step " + step);
                float[] expected = hostGradients(one.gradientBuffer());
                float[] actual = hostGradients(two.gradientBuffer());
                one.update(java, 0, one.parameterCount());
                two.update(tensors, 0, two.parameterCount());
                one.zeroGradients();
                two.zeroGradients();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-6, "gradient " + i + " of step " + step);
                }
            }
        }
    }

    @Test
    void aBatchThatDoesNotSplitEvenlyOverTheDevicesIsRefused() {
        try (ReplicaGroup two = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu(), Device.cpu()),
                TensorTransfer.ON_DEVICE)) {
            assertThrows(IllegalArgumentException.class, () -> two.forwardBackward(randomBatch(3, 0), labels(3, 0)));
        }
    }

    @Test
    void aGpuReplicaCannotBindItsTensorsToHostMemory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelReplica.initialised(ModelSpec.parse("mlp"), IMAGES, 1, Device.gpu(0), TensorTransfer.IN_PLACE));
        assertEquals("a replica on gpu(0) cannot bind its tensors to host memory; use ON_DEVICE", e.getMessage());
    }

    private static FloatBuffer randomBatch(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[count * 28 * 28];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        return FloatBuffer.wrap(values);
    }

    private static long[] labels(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1000);
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(10);
        }
        return labels;
    }
}
