package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ring across separate JVMs on loopback, as Spark executors would run it. */
class SeparateProcessesTest {

    @Test
    void threeJvmsAllReduceCorrectly() throws Exception {
        int world = 3;
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Process> processes = new ArrayList<>();
        try {
            for (int rank = 0; rank < world; rank++) {
                processes.add(new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                        RingRankProcess.class.getName(), String.valueOf(rank), String.valueOf(world),
                        String.valueOf(port), "100003")
                        .redirectErrorStream(true)
                        .start());
            }
            for (int rank = 0; rank < world; rank++) {
                Process process = processes.get(rank);
                assertTrue(process.waitFor(120, TimeUnit.SECONDS), "rank " + rank + " did not finish");
                String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(0, process.exitValue(), "rank " + rank + ": " + output);
                assertTrue(output.contains("rank " + rank + " max_error="), output);
            }
        } finally {
            for (Process process : processes) {
                process.destroyForcibly();
            }
        }
    }

}
