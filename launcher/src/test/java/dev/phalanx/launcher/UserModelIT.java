package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own models from a jar of their own (the {@code examples} module's, on no class path of
 * this test), through the real command line in local mode on Fashion-MNIST: a family registered
 * through ServiceLoader used by name, a factory class with a {@code model_options} block, and the
 * one-line errors for a missing jar, a class that is not on the class path and bad options.
 */
class UserModelIT {

    static final String WIDE_MLP = "dev.phalanx.examples.WideMlp";

    @TempDir
    Path dir;

    /** The examples module's jar, which the reactor builds before the launcher. */
    static Path examplesJar() throws IOException {
        Path target = Path.of("..", "examples", "target").toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(p -> p.getFileName().toString().matches("phalanx-examples-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no phalanx-examples jar in " + target
                            + "; build the examples module first (mvn -pl examples package)"));
        }
    }

    private String[] train(Path runDir, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--config", "../conf/fashion-mnist-mlp.conf",
                "--set", "run_dir=" + runDir, "--set", "epochs=1"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    @Test
    void aFamilyFromAJarIsUsedByNameAndListedInTheHelp() throws Exception {
        Path runDir = dir.resolve("softmax");
        CliRun run = CliRun.of(train(runDir, "--jars", examplesJar().toString(), "--set", "model=softmax(bias=false)"));
        assertEquals(ExitCodes.OK, run.code(), run.err());
        assertTrue(run.out().contains("phalanx: training softmax(bias=false) on "), run.out());
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals("softmax(bias=false)", summary.get("model").asText());
        assertTrue(summary.get("test_accuracy").asDouble() > 0.7, summary.toString());
        assertTrue(Files.exists(runDir.resolve("model/softmax-0000.params")));

        ClassLoader before = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader jar = new URLClassLoader(new URL[] {examplesJar().toUri().toURL()}, before)) {
            Thread.currentThread().setContextClassLoader(jar);
            CliRun help = CliRun.of("train", "--help");
            assertTrue(help.out().contains("  softmax      multinomial logistic regression: flatten, then one linear layer"),
                    help.out());
            assertTrue(help.out().contains("bias = true: whether the layer adds a bias per class"), help.out());
        } finally {
            Thread.currentThread().setContextClassLoader(before);
        }
        CliRun help = CliRun.of("train", "--help");
        assertTrue(help.out().contains("  mlp          ") && !help.out().contains("softmax"), help.out());
        assertTrue(help.out().contains("class:NAME"), help.out());
    }

    @Test
    void binPhalanxPutsTheJarsOnTheClassPathSoTheHelpListsTheirFamilies() throws Exception {
        for (List<String> jars : List.of(List.of("--jars", examplesJar().toString()), List.of("--jars=" + examplesJar()))) {
            List<String> command = new ArrayList<>(List.of("bash", "../bin/phalanx", "train"));
            command.addAll(jars);
            command.add("--help");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "bin/phalanx did not finish");
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("  softmax      multinomial logistic regression"), jars + ":\n" + output);
        }
    }

    @Test
    void aFactoryClassFromAJarTrainsWithItsModelOptions() throws Exception {
        Path runDir = dir.resolve("wide");
        CliRun run = CliRun.of(train(runDir, "--jars", examplesJar().toString(), "--set", "model=class:" + WIDE_MLP,
                "--set", "model_options.hidden=64"));
        assertEquals(ExitCodes.OK, run.code(), run.err());
        assertTrue(run.out().contains("phalanx: training class:" + WIDE_MLP + "(hidden=64) on "), run.out());
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertTrue(summary.get("test_accuracy").asDouble() > 0.75, summary.toString());
        assertTrue(Files.exists(runDir.resolve("model/WideMlp-0000.params")));
        assertTrue(Files.readString(runDir.resolve("job.conf")).contains("model_options"));

        CliRun other = CliRun.of(train(runDir, "--jars", examplesJar().toString(), "--set", "model=class:" + WIDE_MLP,
                "--set", "model_options.hidden=65"));
        assertEquals(ExitCodes.BAD_CONFIG, other.code(), other.err());
        assertTrue(other.err().contains("model_options {hidden=64} -> {hidden=65}"), other.err());
    }

    @Test
    void aTorchScriptFileTrainsFromTheCliAndIsSavedAsTorchScript() throws Exception {
        Path net = Path.of("..", "engine", "src", "test", "resources", "torchscript", "small_net.pt").toAbsolutePath()
                .normalize();
        Path runDir = dir.resolve("torchscript");
        CliRun run = CliRun.of(train(runDir, "--set", "model=torchscript(path=\"" + net.toUri() + "\")"));
        assertEquals(ExitCodes.OK, run.code(), run.err());
        assertTrue(run.out().contains("saved the model in TorchScript to "), run.out());
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertTrue(summary.get("test_accuracy").asDouble() > 0.7, summary.toString());
        assertTrue(Files.size(runDir.resolve("model/small_net.pt")) > 10_000);

        // Fine-tuning from that run: its newest checkpoint, the first layer frozen.
        Path tuned = dir.resolve("tuned");
        CliRun fineTuned = CliRun.of(train(tuned, "--set", "model=torchscript(path=\"" + net.toUri() + "\")",
                "--set", "init_from=" + runDir, "--set", "freeze=[\"fc1.\"]", "--set", "learning_rate=0.01"));
        assertEquals(ExitCodes.OK, fineTuned.code(), fineTuned.err());
        JsonNode tunedSummary = new ObjectMapper().readTree(Files.readString(tuned.resolve("summary.json")));
        assertTrue(tunedSummary.get("test_accuracy").asDouble() >= summary.get("test_accuracy").asDouble() - 0.02,
                tunedSummary + " after " + summary);

        CliRun missing = CliRun.of(train(dir.resolve("f"), "--set", "model=torchscript(path=/nowhere/net.pt)"));
        assertEquals(ExitCodes.BAD_CONFIG, missing.code());
        assertEquals("phalanx: error: model 'torchscript': /nowhere/net.pt does not exist", missing.err().trim());
        assertTrue(Files.notExists(dir.resolve("f")), "named before the run directory is made");
    }

    @Test
    void aMissingJarAClassOffTheClassPathAndBadOptionsAreOneLineWithExitCode2() throws Exception {
        Path missing = dir.resolve("nets.jar");
        CliRun noJar = CliRun.of(train(dir.resolve("a"), "--jars", missing.toString(), "--set", "model=softmax"));
        assertEquals(ExitCodes.BAD_CONFIG, noJar.code());
        assertEquals("phalanx: error: --jars: " + missing + " is not a readable file", noJar.err().trim());

        CliRun noClass = CliRun.of(train(dir.resolve("b"), "--set", "model=class:" + WIDE_MLP));
        assertEquals(ExitCodes.BAD_CONFIG, noClass.code());
        assertEquals("phalanx: error: model 'class:" + WIDE_MLP + "': class " + WIDE_MLP + " is not on the class path"
                + " (add its jar with --jars, spark.jars or the application jar)", noClass.err().trim());

        CliRun unknown = CliRun.of(train(dir.resolve("c"), "--set", "model=softmax"));
        assertEquals(ExitCodes.BAD_CONFIG, unknown.code());
        assertTrue(unknown.err().trim().startsWith("phalanx: error: model 'softmax' is unknown; known models: mlp, cnn,"),
                unknown.err());

        CliRun misspelt = CliRun.of(train(dir.resolve("d"), "--jars", examplesJar().toString(), "--set",
                "model=softmax", "--set", "model_options.bais=false"));
        assertEquals(ExitCodes.BAD_CONFIG, misspelt.code());
        assertEquals("phalanx: error: model 'softmax' has no option 'bais'; its options: bias", misspelt.err().trim());

        CliRun notANumber = CliRun.of(train(dir.resolve("e"), "--jars", examplesJar().toString(), "--set",
                "model=class:" + WIDE_MLP, "--set", "model_options.hidden=wide"));
        assertEquals(ExitCodes.BAD_CONFIG, notANumber.code());
        assertEquals("phalanx: error: model 'class:" + WIDE_MLP + "' option 'hidden' is 'wide'; expected a whole number",
                notANumber.err().trim());
        CliRun unknownPrefix = CliRun.of(train(dir.resolve("g"), "--set", "freeze=stem."));
        assertEquals(ExitCodes.BAD_CONFIG, unknownPrefix.code());
        assertTrue(unknownPrefix.err().trim().startsWith("phalanx: error: freeze: 'stem.' is the start of no parameter's"
                + " name; the model's parameters: "), unknownPrefix.err());
        for (String run : List.of("a", "b", "c", "d", "e", "g")) {
            assertTrue(Files.notExists(dir.resolve(run)), "no run directory for a refused config: " + run);
        }
    }
}
