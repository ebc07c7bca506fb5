package dev.phalanx.engine.model;

import static dev.phalanx.engine.model.TorchScriptGolden.CLASSES;
import static dev.phalanx.engine.model.TorchScriptGolden.SAMPLE;
import static dev.phalanx.engine.model.TorchScriptGolden.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each kind of file or module that Phalanx must not train is refused with a one-line message that
 * names the file and says what was expected. The modules come from {@code torchscript_golden.py}.
 */
class TorchScriptRefusalTest {

    private static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = PyTorchEngine.get().newBaseManager(Device.cpu());
    }

    @AfterAll
    static void release() {
        manager.close();
    }

    private static String refusal(String name, byte[] bytes) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TorchScriptModule.load(name, bytes, manager, SAMPLE, CLASSES).close());
        String message = e.getMessage();
        System.out.println(name + ": " + message);
        assertTrue(message.startsWith(name + " "), message);
        assertFalse(message.contains("\n"), message);
        return message;
    }

    private static String refusal(String file) {
        return refusal(file, resource(file));
    }

    private static void assertContains(String expected, String message) {
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    @Test
    void notAZipArchive() {
        assertContains("is not a TorchScript file; expected the zip archive torch.jit.save writes",
                refusal("notes.txt", "just some text".getBytes(StandardCharsets.UTF_8)));
        assertContains("is not a TorchScript file", refusal("empty.pt", new byte[0]));
    }

    @Test
    void truncatedFile() {
        byte[] whole = resource("small_net.pt");
        assertContains("is truncated or damaged: the zip archive has no end record",
                refusal("half.pt", Arrays.copyOf(whole, whole.length / 2)));
        assertContains("is truncated or damaged", refusal("short.pt", Arrays.copyOf(whole, whole.length - 1)));
    }

    @Test
    void torchSaveFiles() {
        assertContains("is a torch.save file (a pickled object without TorchScript code); expected a module saved "
                + "by torch.jit.save", refusal("torch_save.pt"));
        assertContains("is a legacy torch.save pickle, not TorchScript", refusal("torch_save_legacy.pt"));
    }

    @Test
    void zipWithCodePyTorchCannotLoad() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("archive/code/__torch__.py"));
            zip.write("class Net(Module):\n  pass\n".getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
        assertContains("could not be loaded by PyTorch (", refusal("fake.pt", bytes.toByteArray()));
    }

    @Test
    void buffersThatChangeInTraining() {
        assertContains("has buffers that a training forward changes (such as batch norm's running statistics)",
                refusal("batchnorm_net.pt"));
    }

    @Test
    void tiedWeights() {
        assertContains("has tied parameters: a.weight and b.weight share one tensor", refusal("tied_net.pt"));
    }

    @Test
    void outputsThatAreNotOneScorePerClass() {
        assertContains("gives a float32 output of shape (2, 7) for a batch of 2 inputs of shape (1, 28, 28); "
                + "expected float32 scores of shape (2, 10) for 10 classes", refusal("wrong_output_net.pt"));
    }

    @Test
    void inputTheModuleRejects() {
        assertContains("rejects a batch of 2 inputs of shape (1, 28, 28) (mat1 and mat2 shapes cannot be multiplied "
                + "(2x784 and 100x10)); expected a module that takes (batch, 1, 28, 28) float32 inputs",
                refusal("wrong_input_net.pt"));
    }

    @Test
    void noParameters() {
        assertContains("has no parameters, so there is nothing to train", refusal("no_params_net.pt"));
    }

    @Test
    void float64Parameters() {
        assertContains("has parameter head.weight of type float64; expected float32 parameters",
                refusal("double_net.pt"));
    }

    @Test
    void tracedInTrainingMode() {
        assertContains("gives different outputs for the same input in eval mode, as a module traced in training "
                + "mode with dropout does", refusal("traced_train_dropout.pt"));
    }

    @Test
    void theNameIsWhatTheCallerCallsTheFile() {
        String message = refusal("hdfs://nn:8020/models/net.pt", resource("torch_save.pt"));
        assertEquals(0, message.indexOf("hdfs://nn:8020/models/net.pt is a torch.save file"));
    }
}
