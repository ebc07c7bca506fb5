package dev.phalanx.engine.model;

import static dev.phalanx.engine.model.TorchScriptGolden.CLASSES;
import static dev.phalanx.engine.model.TorchScriptGolden.SAMPLE;
import static dev.phalanx.engine.model.TorchScriptGolden.evalOutputs;
import static dev.phalanx.engine.model.TorchScriptGolden.inputs;
import static dev.phalanx.engine.model.TorchScriptGolden.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A module trained in Java and exported loads in PyTorch (Debian's python3-torch 1.13) in eval mode
 * and gives the outputs Java gives, checked by {@code src/test/python/torchscript_check_export.py}.
 * Skipped where no Python with torch is installed (set {@code PHALANX_PYTHON} to choose one).
 */
class TorchScriptExportTest {

    private static final Path CHECK = Path.of("src", "test", "python", "torchscript_check_export.py");

    @Test
    void pyTorchLoadsTheExportWithTheSameOutputs(@TempDir Path dir) throws Exception {
        String python = pythonWithTorch();
        Assumptions.assumeTrue(python != null, "no python3 with torch (apt-get install python3-torch)");
        Path exported = dir.resolve("exported.pt");
        Path expected = dir.resolve("expected.json");
        try (NDManager manager = PyTorchEngine.get().newBaseManager(Device.cpu());
                TorchScriptModule module = TorchScriptModule.load("dropout_net.pt", resource("dropout_net.pt"), manager,
                        SAMPLE, CLASSES)) {
            for (int step = 0; step < 3; step++) {
                TorchScriptGolden.lossAndGradients(module, manager, 4 * step, 4);
                TorchScriptGolden.sgdStep(module, 0.1f);
            }
            NDArray x = inputs(manager, 0, 4);
            Map<String, Object> values = new LinkedHashMap<>();
            values.put("input_shape", x.getShape().getShape());
            values.put("input", x.toFloatArray());
            values.put("outputs", evalOutputs(module, manager, x));
            values.put("tolerance", 1e-5);
            new ObjectMapper().writeValue(expected.toFile(), values);
            try (OutputStream out = Files.newOutputStream(exported)) {
                module.export(out);
            }
        }
        Process process = new ProcessBuilder(python, CHECK.toString(), exported.toString(), expected.toString())
                .redirectErrorStream(true).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the Python check did not finish in 120 s");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        System.out.println(output);
        assertEquals(0, process.exitValue(), output);
    }

    /** Returns the first of $PHALANX_PYTHON, python3 and /usr/bin/python3 that imports torch, or null. */
    private static String pythonWithTorch() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        String chosen = System.getenv("PHALANX_PYTHON");
        if (chosen != null && !chosen.isBlank()) {
            candidates.add(chosen);
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String candidate : candidates) {
            try {
                Process process = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (process.waitFor(60, TimeUnit.SECONDS) && process.exitValue() == 0) {
                    return candidate;
                }
                process.destroyForcibly();
            } catch (IOException e) {
                // not installed: try the next one
            }
        }
        return null;
    }
}
