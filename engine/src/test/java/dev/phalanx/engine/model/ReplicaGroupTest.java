package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The GPU code paths, run on the CPU with real PyTorch: the copy transfer a GPU needs, and a worker
 * with several devices summing their gradients locally.
 */
class ReplicaGroupTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final int STEPS = 3;
    private static final float LEARNING_RATE = 0.1f;

    @Test
    void theCopyTransferTrainsExactlyLikeTheInPlaceBinding() {
        try (ReplicaGroup inPlace = ReplicaGroup.initialised(ModelSpec.parse("cnn"), IMAGES, 4, List.of(Device.cpu()),
                        TensorTransfer.IN_PLACE);
                ReplicaGroup copying = ReplicaGroup.initialised(ModelSpec.parse("cnn"), IMAGES, 4, List.of(Device.cpu()),
                        TensorTransfer.COPY)) {
            for (int step = 0; step < STEPS; step++) {
                long[] labels = labels(8, step);
                // DJL reads a buffer from its position and advances it: each replica gets its own.
                assertEquals(inPlace.forwardBackward(randomBatch(8, step), labels),
                        copying.forwardBackward(randomBatch(8, step), labels),
                        "step " + step);
                assertArrayEquals(sgdStep(inPlace), sgdStep(copying), "gradients of step " + step);
            }
            assertArrayEquals(inPlace.copyParameters(), copying.copyParameters());
        }
    }

    @Test
    void twoDevicesGiveTheGradientOfTheWholeBatch() {
        try (ReplicaGroup one = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu()),
                        TensorTransfer.IN_PLACE);
                ReplicaGroup two = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu(), Device.cpu()),
                        TensorTransfer.COPY)) {
            assertEquals(2, two.size());
            // Several steps: the second device must see the updates made to the shared host parameters.
            for (int step = 0; step < STEPS; step++) {
                long[] labels = labels(16, step);
                ModelReplica.BatchOutcome whole = one.forwardBackward(randomBatch(16, step), labels);
                ModelReplica.BatchOutcome halves = two.forwardBackward(randomBatch(16, step), labels);
                assertEquals(whole.meanLoss(), halves.meanLoss(), 1e-5, "loss of step " + step);
                assertEquals(whole.correct(), halves.correct(), "correct of step " + step);
                float[] expected = sgdStep(one);
                float[] actual = sgdStep(two);
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-6, "gradient " + i + " of step " + step);
                }
            }
        }
    }

    @Test
    void aBatchThatDoesNotSplitEvenlyOverTheDevicesIsRefused() {
        try (ReplicaGroup two = ReplicaGroup.initialised(ModelSpec.parse("mlp"), IMAGES, 7, List.of(Device.cpu(), Device.cpu()),
                TensorTransfer.COPY)) {
            assertThrows(IllegalArgumentException.class, () -> two.forwardBackward(randomBatch(3, 0), labels(3, 0)));
        }
    }

    @Test
    void aGpuReplicaCannotBindItsTensorsToHostMemory() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelReplica.initialised(ModelSpec.parse("mlp"), IMAGES, 1, Device.gpu(0), TensorTransfer.IN_PLACE));
        assertEquals("a replica on gpu(0) cannot bind its tensors to host memory; use COPY", e.getMessage());
    }

    /** Applies plain SGD from the group's gradients, clears them, and returns the gradients used. */
    private static float[] sgdStep(ReplicaGroup group) {
        float[] gradients = new float[group.parameterCount()];
        group.gradients().asFloatBuffer().get(gradients);
        FloatBuffer parameters = group.parameters();
        for (int i = 0; i < gradients.length; i++) {
            parameters.put(i, parameters.get(i) - LEARNING_RATE * gradients[i]);
        }
        group.zeroGradients();
        return gradients;
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
