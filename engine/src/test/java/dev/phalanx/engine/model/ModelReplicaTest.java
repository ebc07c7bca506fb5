package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import dev.phalanx.models.ModelCatalog;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Real DJL/PyTorch: the flat parameter buffer is what PyTorch computes with, and gradients flow. */
class ModelReplicaTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    @Test
    void writesToTheFlatBufferChangeWhatTheModelComputes() {
        try (ModelReplica model = ModelReplica.initialised(ModelSpec.parse("mlp"), IMAGES, 1)) {
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
            try (ModelReplica model = ModelReplica.initialised(ModelSpec.parse(name), IMAGES, 3)) {
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
    void trainingAndScoringLeaveTheCallersGradModeAsTheyFoundIt() {
        try (ModelReplica model = ModelReplica.initialised(ModelSpec.parse("mlp"), IMAGES, 5)) {
            // Read only once a replica has loaded PyTorch's natives.
            boolean atStart = JniUtils.isGradMode();
            try {
                checkGradModeKept(model);
            } finally {
                JniUtils.setGradMode(atStart);
            }
        }
    }

    private static void checkGradModeKept(ModelReplica model) {
        for (boolean callers : new boolean[] {true, false}) {
            JniUtils.setGradMode(callers);
            model.forwardBackward(randomBatch(4), new long[] {0, 1, 2, 3});
            assertEquals(callers, JniUtils.isGradMode(), "after forwardBackward");
            model.predict(randomBatch(4), 4);
            assertEquals(callers, JniUtils.isGradMode(), "after predict");
            model.logits(randomBatch(4), 4);
            assertEquals(callers, JniUtils.isGradMode(), "after logits");
        }
    }

    @Test
    void gradientsAndLossMatchDjlsOwnLossesThroughPyTorchAutograd() {
        long[] classes = {3, 1, 4, 1, 5, 9, 2, 6};
        assertMatchesDjl("cnn", IMAGES, Objective.CROSS_ENTROPY, Loss.softmaxCrossEntropyLoss(), randomBatch(8),
                classes);
        InputSpec fourFeatures = new InputSpec(new long[] {4}, 1);
        long[] targets = new long[6];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = Objective.MSE.encode(i * 0.7 - 1.5);
        }
        FloatBuffer features = FloatBuffer.allocate(24);
        for (int i = 0; i < 24; i++) {
            features.put(i, (float) Math.sin(i));
        }
        assertMatchesDjl("mlp(hidden=32)", fourFeatures, Objective.MSE, Loss.l2Loss("mse", 1f), features, targets);
    }

    /**
     * Trains one batch through the replica and through the same model, with the same parameters,
     * under DJL's loss and PyTorch's autograd, and compares loss and gradients.
     */
    private static void assertMatchesDjl(String name, InputSpec input, Objective objective, Loss reference,
            FloatBuffer features, long[] labels) {
        int n = labels.length;
        try (ModelReplica replica = ModelReplica.initialised(ModelSpec.parse(name), input, 11);
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ModelReplica.BatchOutcome outcome = replica.forwardBackward(features, labels, objective);
            float[] gradients = new float[replica.parameterCount()];
            replica.gradients().asFloatBuffer().get(gradients);

            Block block = ModelCatalog.build(name, input);
            block.initialize(manager, DataType.FLOAT32, input.batchShape(1));
            int offset = 0;
            for (Pair<String, Parameter> entry : block.getParameters()) {
                NDArray array = entry.getValue().getArray();
                int size = Math.toIntExact(array.size());
                array.set(Arrays.copyOfRange(replica.copyParameters(), offset, offset + size));
                offset += size;
            }
            float[] values = new float[n * Math.toIntExact(input.sampleSize())];
            features.get(0, values);
            NDArray x = manager.create(values, input.batchShape(n));
            NDArray y = objective.classifies() ? manager.create(labels) : manager.create(decoded(labels)).reshape(n, 1);
            JniUtils.setGradMode(true);
            NDArray loss;
            try {
                NDArray outputs = block.forward(new ParameterStore(manager, false), new NDList(x), true).singletonOrThrow();
                loss = reference.evaluate(new NDList(y), new NDList(outputs));
                JniUtils.backward((PtNDArray) loss, (PtNDArray) manager.ones(loss.getShape()), false, false);
            } finally {
                JniUtils.setGradMode(false);
            }
            assertEquals(loss.getFloat(), outcome.meanLoss(), 1e-5 * Math.abs(loss.getFloat()), name + " loss");
            float[] expected = new float[gradients.length];
            offset = 0;
            for (Pair<String, Parameter> entry : block.getParameters()) {
                float[] part = entry.getValue().getArray().getGradient().toFloatArray();
                System.arraycopy(part, 0, expected, offset, part.length);
                offset += part.length;
            }
            double scale = 0;
            for (float g : expected) {
                scale = Math.max(scale, Math.abs(g));
            }
            assertTrue(scale > 0, name + ": the reference gradients are all zero");
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], gradients[i], 1e-5 * scale, name + " gradient " + i);
            }
        }
    }

    private static float[] decoded(long[] targets) {
        float[] values = new float[targets.length];
        for (int i = 0; i < targets.length; i++) {
            values[i] = Objective.target(targets[i]);
        }
        return values;
    }

    @Test
    void sameSeedGivesIdenticalParametersAndOtherSeedsDiffer() {
        try (ModelReplica a = ModelReplica.initialised(ModelSpec.parse("cnn"), IMAGES, 5);
                ModelReplica b = ModelReplica.initialised(ModelSpec.parse("cnn"), IMAGES, 5);
                ModelReplica c = ModelReplica.initialised(ModelSpec.parse("cnn"), IMAGES, 6)) {
            assertArrayEquals(a.copyParameters(), b.copyParameters());
            assertNotEquals(Arrays.hashCode(a.copyParameters()), Arrays.hashCode(c.copyParameters()));
        }
    }

    @Test
    void parametersRoundTripThroughWithParameters() {
        try (ModelReplica trained = ModelReplica.initialised(ModelSpec.parse("mlp"), IMAGES, 9)) {
            float[] values = trained.copyParameters();
            try (ModelReplica copy = ModelReplica.withParameters(ModelSpec.parse("mlp"), IMAGES, values)) {
                FloatBuffer batch = randomBatch(16);
                assertArrayEquals(trained.predict(batch, 16), copy.predict(batch.rewind(), 16));
            }
            assertThrows(IllegalArgumentException.class,
                    () -> ModelReplica.withParameters(ModelSpec.parse("mlp"), IMAGES, new float[3]));
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
