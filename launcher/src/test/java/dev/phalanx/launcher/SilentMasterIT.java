package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A master URL whose port accepts connections but where no Spark master answers (another
 * service's port, say): the command ends with exit code 2 naming {@code master} and the address
 * once the wait is over, instead of Spark's minute of retries ending in "Cannot call methods on a
 * stopped SparkContext" (exit code 1). The command runs in its own JVM: the start it gives up on
 * holds Spark's context lock until Spark gives up too, which would hold up other tests' sessions.
 */
class SilentMasterIT {

    @TempDir
    Path dir;

    @Test
    void aPortWhereNoMasterAnswersExitsWith2NamingItWithinTheWait() throws Exception {
        Path data = SmallFashionMnist.write(dir.resolve("data"), 60, 20);
        // Never accepted: the kernel completes connections into the backlog, and nothing ever answers.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String master = "spark://127.0.0.1:" + silent.getLocalPort();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(TestSparkHome.JVM_OPTIONS);
            command.addAll(List.of("-Xmx1g", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                    PhalanxCli.class.getName(), "train", "--config", "../conf/fashion-mnist-mlp.conf",
                    "--set", "data_dir=" + data, "--set", "master=" + master, "--set", "slot_wait_timeout=5s",
                    "--set", "run_dir=" + dir.resolve("run")));
            Path log = dir.resolve("cli.log");
            long start = System.nanoTime();
            Process cli = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean done;
            try {
                done = cli.waitFor(3, TimeUnit.MINUTES);
            } finally {
                cli.destroyForcibly();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            String output = Files.readString(log);
            assertTrue(done, "the command did not end:\n" + output);
            assertEquals(ExitCodes.BAD_CONFIG, cli.exitValue(), output);
            assertTrue(output.contains("phalanx: error: master '" + master + "' did not accept the application within"
                    + " 10 s (slot_wait_timeout, at least 10 s): something listens at 127.0.0.1:" + silent.getLocalPort()
                    + " but no Spark master there registered the application"), output);
            // Spark's own retries give up after about 60 s; the JVM's start takes a few seconds more.
            assertTrue(seconds < 50, "took " + seconds + " s:\n" + output);
        }
    }
}
