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
        List<String> args = new java.util.ArrayList<>(List.of("train", "--config",
                Path.of("..", "conf", "fashion-mnist-mlp.conf").toAbsolutePath().normalize().toString(),
                "--set", "run_dir=" + runDir, "--set", "slot_wait_timeout=120s"));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        return cluster.submit(jobJar(), log, List.of("spark.executor.cores=1", "spark.executor.memory=1g",
                "spark.cores.max=2", "spark.ui.enabled=false"), args);
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
