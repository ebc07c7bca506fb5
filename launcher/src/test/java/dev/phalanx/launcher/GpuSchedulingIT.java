package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU scheduling on a real multi-JVM Spark ({@code local-cluster[1,2,2048]}: an in-process master
 * and worker, one executor JVM with two cores) on this CPU-only machine: the worker's fake discovery
 * script reports two GPUs, "0" and "1". The job jar is submitted through SparkSubmit with the
 * example GPU config, as on a real GPU cluster.
 */
class GpuSchedulingIT {

    private static final Pattern ASKED = Pattern.compile(
            "rank ([01]) was given Spark GPU address\\(es\\) \\[([01])\\] and asked DJL for gpu\\((\\d)\\), but DJL's"
                    + " PyTorch engine sees no CUDA device");
    private static final Pattern FELL_BACK = Pattern.compile(
            "phalanx: rank (\\d) on \\S+: Spark GPU address\\(es\\) \\[(\\d)\\] -> asked DJL for gpu\\((\\d)\\);"
                    + " no usable CUDA device, fell back to cpu\\(\\)");

    @TempDir
    static Path dir;

    private static Path sparkHome;
    private static Path discoveryScript;

    @BeforeAll
    static void prepare() throws IOException {
        sparkHome = TestSparkHome.create();
        discoveryScript = dir.resolve("fake-gpu-discovery.sh");
        Files.writeString(discoveryScript, "#!/usr/bin/env bash\necho '{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}'\n");
        Files.setPosixFilePermissions(discoveryScript, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void eachWorkerAsksDjlForItsOwnGpuAndWithoutCudaTheJobStopsSayingWhich() throws Exception {
        String output = submit("no-cuda", 2);
        Matcher asked = ASKED.matcher(output);
        assertTrue(asked.find(), output);
        assertEquals(asked.group(2), asked.group(3), "asked DJL for another device than the one Spark gave: " + output);
        assertTrue(output.contains("set gpu_fallback_to_cpu = true"), output);
        assertFalse(output.contains("relaunching"), "a device error must not be retried:\n" + output);
    }

    @Test
    void withTheFallbackAllowedTheRanksReportDistinctGpusAndTrainOnTheCpu() throws Exception {
        String output = submit("fallback", 0, "gpu_fallback_to_cpu=true");
        Map<Integer, Integer> addressByRank = new TreeMap<>();
        Matcher line = FELL_BACK.matcher(output);
        while (line.find()) {
            assertEquals(line.group(2), line.group(3), "asked DJL for another device than the one Spark gave: " + output);
            addressByRank.put(Integer.parseInt(line.group(1)), Integer.parseInt(line.group(2)));
        }
        assertEquals(Set.of(0, 1), addressByRank.keySet(), output);
        assertEquals(Set.of(0, 1), Set.copyOf(addressByRank.values()), "two workers shared a GPU: " + output);
        assertTrue(Files.exists(dir.resolve("fallback").resolve("_SUCCESS")), output);
    }

    /** Submits one epoch of the MLP with the GPU example config; checks the exit code; returns the output. */
    private static String submit(String name, int expectedExit, String... overrides) throws Exception {
        Path log = dir.resolve(name + ".out");
        var command = new ArrayList<>(java.util.List.of("org.apache.spark.deploy.SparkSubmit",
                "--master", "local-cluster[1,2,2048]", "--deploy-mode", "client", "--class", PhalanxCli.class.getName(),
                "--conf", "spark.worker.resource.gpu.amount=2",
                "--conf", "spark.worker.resource.gpu.discoveryScript=" + discoveryScript,
                "--conf", "spark.executor.resource.gpu.amount=2",
                "--conf", "spark.executor.memory=1g",
                "--conf", "spark.ui.enabled=false",
                jobJar().toString(), "train",
                "--config", Path.of("..", "conf", "fashion-mnist-cnn-gpu.conf").toAbsolutePath().normalize().toString(),
                "--set", "run_dir=" + dir.resolve(name), "--set", "model=mlp", "--set", "epochs=1",
                "--set", "slot_wait_timeout=120s"));
        for (String override : overrides) {
            command.add("--set");
            command.add(override);
        }
        Process process = TestSparkHome.java(sparkHome, log, command);
        boolean done = process.waitFor(4, TimeUnit.MINUTES);
        if (!done) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(done, "spark-submit did not finish:\n" + output);
        assertEquals(expectedExit, process.exitValue(), output);
        return output;
    }

    private static Path jobJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst().orElseThrow()
                    .toAbsolutePath();
        }
    }
}
