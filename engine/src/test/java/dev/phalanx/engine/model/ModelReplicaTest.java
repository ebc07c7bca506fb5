package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.models.InputSpec;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Real DJL/PyTorch: the flat parameter buffer is what PyTorch computes with, and gradients flow. */
class ModelReplicaTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    @Test
    void writesToTheFlatBufferChangeWhatTheModelComputes() {
        try (ModelReplica model = ModelReplica.initialised("mlp", IMAGES, 1)) {
            // The last ten parameters are the output layer's biases. With every other parameter
            // zero, the logits are exactly those biases, so the winning class is the one we raise.
            int biasStart = model.parameterCount() - 10;
            for (int winner : new int[] {7, 3}) {
                for (int i = 0; i < model.parameterCount(); i++) {
                    model.parameters().put(i, 0f);
                }
                model.parameters().put(biasStart + winner, 1f);
                int[] expected = new int[8];
                Arrays.fill(expected, winner);
                assertArrayEquals(expected, model.predict(randomBatch(8), 8), "class " + winner);
            }
        }
    }

    @Test
    void backwardFillsGradientsAndZeroGradientsClearsThem() {
        for (String name : new String[] {"mlp", "cnn"}) {
            try (ModelReplica model = ModelReplica.initialised(name, IMAGES, 3)) {
                float[] gradients = new float[model.parameterCount()];
                ModelReplica.BatchOutcome outcome = model.forwardBackward(randomBatch(4), new long[] {0, 1, 2, 3});
                assertTrue(outcome.meanLoss() > 0 && Float.isFinite(outcome.meanLoss()), name + " loss " + outcome);
                model.gradients().asFloatBuffer().get(gradients);
                assertTrue(norm(gradients) > 0, name + ": gradients are all zero after backward");
                model.zeroGradients();
                model.gradients().asFloatBuffer().get(gradients);
                assertEquals(0.0, norm(gradients), name + ": gradients not cleared");
            }
        }
    }

    @Test
    void sameSeedGivesIdenticalParametersAndOtherSeedsDiffer() {
        try (ModelReplica a = ModelReplica.initialised("cnn", IMAGES, 5);
                ModelReplica b = ModelReplica.initialised("cnn", IMAGES, 5);
                ModelReplica c = ModelReplica.initialised("cnn", IMAGES, 6)) {
            assertArrayEquals(a.copyParameters(), b.copyParameters());
            assertNotEquals(Arrays.hashCode(a.copyParameters()), Arrays.hashCode(c.copyParameters()));
        }
    }

    @Test
    void parametersRoundTripThroughWithParameters() {
        try (ModelReplica trained = ModelReplica.initialised("mlp", IMAGES, 9)) {
            float[] values = trained.copyParameters();
            try (ModelReplica copy = ModelReplica.withParameters("mlp", IMAGES, values)) {
                FloatBuffer batch = randomBatch(16);
                assertArrayEquals(trained.predict(batch, 16), copy.predict(batch.rewind(), 16));
            }
            assertThrows(IllegalArgumentException.class,
                    () -> ModelReplica.withParameters("mlp", IMAGES, new float[3]));
        }
    }

    private static FloatBuffer randomBatch(int count) {
        SplittableRandom random = new SplittableRandom(count);
        FloatBuffer batch = FloatBuffer.allocate(count * 784);
        while (batch.hasRemaining()) {
            batch.put((float) random.nextDouble());
        }
        return batch.flip();
    }

    private static double norm(float[] values) {
        double sum = 0;
        for (float v : values) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
