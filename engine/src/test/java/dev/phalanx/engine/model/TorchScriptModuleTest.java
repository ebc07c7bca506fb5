package dev.phalanx.engine.model;

import static dev.phalanx.engine.model.TorchScriptGolden.CLASSES;
import static dev.phalanx.engine.model.TorchScriptGolden.SAMPLE;
import static dev.phalanx.engine.model.TorchScriptGolden.evalOutputs;
import static dev.phalanx.engine.model.TorchScriptGolden.inputs;
import static dev.phalanx.engine.model.TorchScriptGolden.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TorchScript module from Debian's PyTorch 1.13 ({@code torchscript_golden.py}) loaded by DJL's
 * PyTorch 2.7 computes what PyTorch computed: the same outputs, the same gradients, and the same
 * losses over five plain-SGD steps; it trains in training mode (its dropout is on); and its export
 * loads back with the same outputs.
 */
class TorchScriptModuleTest {

    private static NDManager manager;
    private static final JsonNode GOLDEN = TorchScriptGolden.golden();
    private static final int BATCH = GOLDEN.get("batch").asInt();

    @BeforeAll
    static void engine() {
        manager = PyTorchEngine.get().newBaseManager(Device.cpu());
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private static TorchScriptModule smallNet() {
        return TorchScriptModule.load("small_net.pt", resource("small_net.pt"), manager, SAMPLE, CLASSES);
    }

    private static float[] floats(JsonNode values) {
        float[] result = new float[values.size()];
        for (int i = 0; i < result.length; i++) {
            result[i] = (float) values.get(i).asDouble();
        }
        return result;
    }

    @Test
    void parametersAreTheModulesInRegistrationOrderAndRequireGradients() throws IOException {
        try (TorchScriptModule module = TorchScriptModule.load("small_net.pt",
                new ByteArrayInputStream(resource("small_net.pt")), manager, SAMPLE, CLASSES)) {
            List<String> expected = new ArrayList<>();
            GOLDEN.get("parameter_names").forEach(name -> expected.add(name.asText()));
            assertEquals(expected, module.parameterNames());
            assertEquals(List.of(new Shape(16, 784), new Shape(16), new Shape(10, 16), new Shape(10)),
                    module.parameterShapes());
            assertEquals(784 * 16 + 16 + 16 * 10 + 10, module.parameterCount());
            for (NDArray parameter : module.parameters()) {
                assertTrue(parameter.hasGradient(), parameter.getName());
            }
        }
    }

    @Test
    void forwardMatchesPyTorch() {
        try (TorchScriptModule module = smallNet(); NDManager scratch = manager.newSubManager()) {
            float[] expected = floats(GOLDEN.get("outputs"));
            float[] actual = evalOutputs(module, scratch, inputs(scratch, 0, BATCH));
            System.out.printf("forward: max |DJL - PyTorch| = %.3g over %d scores%n", maxDifference(expected, actual),
                    expected.length);
            assertArrayEquals(expected, actual, 1e-5f);
        }
    }

    @Test
    void gradientsMatchPyTorch() {
        try (TorchScriptModule module = smallNet()) {
            TorchScriptGolden.lossAndGradients(module, manager, 0, BATCH);
            double maxValue = 0;
            double maxNorm = 0;
            for (JsonNode record : GOLDEN.get("gradients")) {
                int index = module.parameterNames().indexOf(record.get("name").asText());
                float[] gradient;
                try (NDArray array = module.parameters().get(index).getGradient()) {
                    gradient = array.toFloatArray();
                }
                JsonNode values = record.has("values") ? record.get("values") : record.get("head");
                float[] expected = floats(values);
                float[] actual = java.util.Arrays.copyOf(gradient, expected.length);
                assertArrayEquals(expected, actual, 1e-5f, record.get("name").asText());
                double norm = 0;
                for (float g : gradient) {
                    norm += (double) g * g;
                }
                norm = Math.sqrt(norm);
                double relative = Math.abs(norm - record.get("norm").asDouble()) / record.get("norm").asDouble();
                assertEquals(0, relative, 1e-5, record.get("name").asText() + " gradient norm");
                maxValue = Math.max(maxValue, maxDifference(expected, actual));
                maxNorm = Math.max(maxNorm, relative);
            }
            System.out.printf("gradients: max |DJL - PyTorch| = %.3g, max relative norm difference %.3g%n", maxValue,
                    maxNorm);
        }
    }

    @Test
    void fiveSgdStepsGiveThePyTorchLosses() {
        float learningRate = (float) GOLDEN.get("learning_rate").asDouble();
        float[] expected = floats(GOLDEN.get("losses"));
        float[] losses = new float[expected.length];
        try (TorchScriptModule module = smallNet(); NDManager scratch = manager.newSubManager()) {
            for (int step = 0; step < losses.length; step++) {
                losses[step] = TorchScriptGolden.lossAndGradients(module, manager, step * BATCH, BATCH);
                TorchScriptGolden.sgdStep(module, learningRate);
            }
            float[] after = evalOutputs(module, scratch, inputs(scratch, 0, BATCH));
            float[] expectedAfter = floats(GOLDEN.get("outputs_after"));
            System.out.printf("losses: DJL %s%n        PyTorch %s%n        max difference %.3g; outputs after: %.3g%n",
                    java.util.Arrays.toString(losses), java.util.Arrays.toString(expected),
                    maxDifference(expected, losses), maxDifference(expectedAfter, after));
            assertArrayEquals(expected, losses, 1e-4f);
            assertArrayEquals(expectedAfter, after, 1e-4f);
        }
    }

    @Test
    void dropoutIsOnInTrainingAndOffInEval() {
        try (TorchScriptModule module = TorchScriptModule.load("dropout_net.pt", resource("dropout_net.pt"), manager,
                SAMPLE, CLASSES); NDManager scratch = manager.newSubManager()) {
            NDArray x = inputs(scratch, 0, 4);
            float[] eval = evalOutputs(module, scratch, x);
            assertArrayEquals(eval, evalOutputs(module, scratch, x));
            float[] train = module.block().forward(new ParameterStore(scratch, false), new NDList(x), true).head()
                    .toFloatArray();
            // Dropout(0.5) at the end: each score is dropped (0) or kept and doubled.
            int dropped = 0;
            for (int i = 0; i < train.length; i++) {
                if (train[i] == 0) {
                    dropped++;
                } else {
                    assertEquals(2 * eval[i], train[i], 1e-5f, "score " + i);
                }
            }
            assertTrue(dropped > 0 && dropped < train.length, dropped + " of " + train.length + " dropped");
            // And eval mode again afterwards.
            assertArrayEquals(eval, evalOutputs(module, scratch, x));
        }
    }

    /** The reason this class loads from bytes: DJL's own path loader leaves dropout off in training. */
    @Test
    void djlsPathLoaderRunsTrainingForwardsInEvalMode(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("dropout_net.pt");
        Files.write(file, resource("dropout_net.pt"));
        try (NDManager scratch = manager.newSubManager()) {
            PtSymbolBlock block = JniUtils.loadModule((PtNDManager) scratch, file, true, new String[0], new String[0],
                    true);
            NDArray x = inputs(scratch, 0, 4);
            ParameterStore store = new ParameterStore(scratch, false);
            float[] training = block.forward(store, new NDList(x), true).head().toFloatArray();
            float[] again = block.forward(store, new NDList(x), true).head().toFloatArray();
            assertArrayEquals(training, again, "a 'training' forward with dropout 0.5 gave the same scores twice");
            for (float score : training) {
                assertTrue(score != 0, "no score dropped");
            }
        }
    }

    @Test
    void exportLoadsBackWithTheSameOutputs() throws IOException {
        try (TorchScriptModule module = smallNet(); NDManager scratch = manager.newSubManager()) {
            for (int step = 0; step < 2; step++) {
                TorchScriptGolden.lossAndGradients(module, manager, step * BATCH, BATCH);
                TorchScriptGolden.sgdStep(module, 0.1f);
            }
            NDArray x = inputs(scratch, 0, BATCH);
            float[] trained = evalOutputs(module, scratch, x);
            ByteArrayOutputStream exported = new ByteArrayOutputStream();
            module.export(exported);
            try (TorchScriptModule reloaded = TorchScriptModule.load("exported", exported.toByteArray(), manager,
                    SAMPLE, CLASSES)) {
                assertEquals(module.parameterNames(), reloaded.parameterNames());
                assertArrayEquals(trained, evalOutputs(reloaded, scratch, x));
            }
            // The module keeps training after an export.
            float before = TorchScriptGolden.lossAndGradients(module, manager, 0, BATCH);
            TorchScriptGolden.sgdStep(module, 0.1f);
            assertTrue(TorchScriptGolden.lossAndGradients(module, manager, 0, BATCH) < before);
        }
    }

    /**
     * The way Phalanx's replicas hold parameters (BlockParameters): each tensor adopts a slice of one
     * host buffer. The module computes with, and exports, the adopted values.
     */
    @Test
    void adoptedHostBuffersAreWhatTheModuleUsesAndExports() throws IOException {
        try (TorchScriptModule module = smallNet(); NDManager scratch = manager.newSubManager()) {
            NDArray x = inputs(scratch, 0, BATCH);
            float[] before = evalOutputs(module, scratch, x);
            ByteBuffer storage = ByteBuffer.allocateDirect(Math.toIntExact(module.parameterCount() * Float.BYTES))
                    .order(ByteOrder.nativeOrder());
            int offset = 0;
            for (NDArray parameter : module.parameters()) {
                int bytes = Math.toIntExact(parameter.size() * Float.BYTES);
                ByteBuffer slice = storage.slice(offset, bytes).order(ByteOrder.nativeOrder());
                for (float value : parameter.toFloatArray()) {
                    slice.putFloat(value * 0.5f);
                }
                parameter.set(slice.clear());
                offset += bytes;
            }
            float[] halved = evalOutputs(module, scratch, x);
            assertFalse(java.util.Arrays.equals(before, halved));
            // Writing the host buffer changes the module: fc2.bias is the last slice, and score 0 of
            // every sample moves by what its bias moves.
            int bias0 = storage.capacity() - CLASSES * Float.BYTES;
            float shift = 100f - storage.getFloat(bias0);
            storage.putFloat(bias0, 100f);
            float[] written = evalOutputs(module, scratch, x);
            assertEquals(halved[0] + shift, written[0], 1e-4f);
            ByteArrayOutputStream exported = new ByteArrayOutputStream();
            module.export(exported);
            try (TorchScriptModule reloaded = TorchScriptModule.load("exported", exported.toByteArray(), manager,
                    SAMPLE, CLASSES)) {
                assertArrayEquals(written, evalOutputs(reloaded, scratch, x));
            }
        }
    }

    static double maxDifference(float[] expected, float[] actual) {
        double max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
        }
        return max;
    }
}
