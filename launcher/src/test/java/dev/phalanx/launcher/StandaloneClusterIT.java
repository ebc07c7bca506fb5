package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job jar on a real multi-JVM Spark standalone cluster (a Master and two one-core Workers, so
 * two executors), submitted through SparkSubmit exactly as {@code spark-submit} would.
 */
class StandaloneClusterIT {

    @TempDir
    static Path dir;

    private static StandaloneCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = StandaloneCluster.start(dir, 2, 1);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst().orElseThrow()
                    .toAbsolutePath();
        }
    }

    private static Process submit(Path runDir, Path log, String... overrides) throws IOException {
        return submit(runDir, log, List.of(), List.of(), overrides);
    }

    private static Process submit(Path runDir, Path log, List<String> extraConf, List<Path> driverOnly,
            String... overrides) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("train", "--config",
                Path.of("..", "conf", "fashion-mnist-mlp.conf").toAbsolutePath().normalize().toString(),
                "--set", "run_dir=" + runDir, "--set", "slot_wait_timeout=120s"));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        List<String> conf = new java.util.ArrayList<>(List.of("spark.executor.cores=1", "spark.executor.memory=1g",
                "spark.cores.max=2", "spark.ui.enabled=false"));
        conf.addAll(extraConf);
        return cluster.submit(jobJar(), log, conf, args, driverOnly);
    }

    private static String finish(Process process, Path log) throws Exception {
        boolean done = process.waitFor(8, TimeUnit.MINUTES);
        String output = Files.readString(log);
        if (!done) {
            process.destroyForcibly();
        }
        System.out.println(output.lines().filter(line -> line.startsWith("phalanx") || line.startsWith("epoch")
                || line.startsWith("test accuracy")).reduce("", (a, b) -> a + b + "\n"));
        assertTrue(done, "spark-submit did not finish:\n" + output + cluster.logs());
        assertEquals(ExitCodes.OK, process.exitValue(), output + cluster.logs());
        return output;
    }

    @Test
    void trainsToTheSkeletonsAccuracyOnTwoExecutors() throws Exception {
        Path runDir = dir.resolve("cluster-run");
        Path log = dir.resolve("submit-train.out");
        String output = finish(submit(runDir, log), log);
        assertTrue(output.contains("on " + cluster.masterUrl()), output);
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals(cluster.masterUrl(), summary.get("master").asText());
        assertEquals(2, summary.get("world_size").asInt());
        double accuracy = summary.get("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.85, "test accuracy " + accuracy);
    }

    @Test
    void aUserModelFromItsOwnJarTrainsOnTwoExecutorsToTheBuiltInMlpsAccuracy() throws Exception {
        Path runDir = dir.resolve("user-model-run");
        Path log = dir.resolve("submit-user-model.out");
        // spark-submit --jars: the jar goes on the driver's class path and to every executor.
        String output = finish(submit(runDir, log, List.of("spark.jars=" + UserModelIT.examplesJar().toUri()), List.of(),
                "model=class:" + UserModelIT.WIDE_MLP), log);
        assertTrue(output.contains("phalanx: training class:" + UserModelIT.WIDE_MLP + " on Fashion-MNIST"), output);
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals(2, summary.get("world_size").asInt());
        double accuracy = summary.get("test_accuracy").asDouble();
        // The bar the built-in MLP must reach on this cluster (trainsToTheSkeletonsAccuracyOnTwoExecutors).
        assertTrue(accuracy >= 0.85, "test accuracy " + accuracy);
        assertTrue(Files.exists(runDir.resolve("model/WideMlp-0000.params")));
    }

    @Test
    void aUserModelTheExecutorsCannotLoadIsNamedBeforeTrainingWithExitCode2() throws Exception {
        Path runDir = dir.resolve("driver-only-run");
        Path log = dir.resolve("submit-driver-only.out");
        // The user's jar on the driver's class path alone, beside the job jar it needs (a class
        // loader above the job jar's could not see Phalanx's interfaces): the executors lack it.
        Process submit = submit(runDir, log, List.of(), List.of(jobJar(), UserModelIT.examplesJar()),
                "model=class:" + UserModelIT.WIDE_MLP);
        assertTrue(submit.waitFor(5, TimeUnit.MINUTES), "spark-submit did not finish:\n" + Files.readString(log));
        String output = Files.readString(log);
        assertEquals(ExitCodes.BAD_CONFIG, submit.exitValue(), output);
        String error = output.lines().filter(line -> line.startsWith("phalanx: error")).findFirst().orElse(output);
        System.out.println(error);
        assertEquals("phalanx: error: model 'class:" + UserModelIT.WIDE_MLP + "' cannot be loaded on the executors:"
                + " class " + UserModelIT.WIDE_MLP + " is not on the class path (add its jar with --jars, spark.jars or"
                + " the application jar)", error);
        assertFalse(output.contains("epoch 1"), output);
    }

    @Test
    void killingAnExecutorMidTrainingStillEndsWithExitCode0ResumedFromACheckpoint() throws Exception {
        Path runDir = dir.resolve("killed-run");
        Path log = dir.resolve("submit-kill.out");
        Process submit = submit(runDir, log, "epochs=2", "checkpoint_every_steps=100");
        Path checkpoint = runDir.resolve("checkpoints").resolve("ckpt-000000000200");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (Files.notExists(checkpoint.resolve("_COMMITTED")) && System.nanoTime() < deadline && submit.isAlive()) {
            Thread.sleep(100);
        }
        assertTrue(Files.exists(checkpoint.resolve("_COMMITTED")), "no checkpoint at step 200:\n" + Files.readString(log));
        List<ProcessHandle> executors = cluster.executors();
        assertEquals(2, executors.size(), "executors: " + executors);
        assertTrue(executors.get(0).destroyForcibly(), "could not kill executor " + executors.get(0).pid());

        String output = finish(submit, log);
        assertTrue(output.contains("failed: training failed"), output);
        assertTrue(output.contains("resuming from checkpoint ckpt-"), output);
        assertFalse(output.contains("resuming from checkpoint ckpt-000000000000"), output);
        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals(2 * (60_000 / 128), summary.get("steps").asInt());
        assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
    }
}
