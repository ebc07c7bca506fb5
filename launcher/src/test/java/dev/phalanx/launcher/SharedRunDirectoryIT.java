package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.DirectoryLease;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code phalanx train} runs on one run directory at once, as a scheduler's retry would start
 * them: the first in a process of its own (one epoch of the MLP on Fashion-MNIST, a checkpoint
 * every 100 steps, all kept), the second, with and without {@code --force}, while the first trains.
 * The second is refused naming the first, and none of the first's checkpoints is moved or deleted.
 */
class SharedRunDirectoryIT {

    private static final long FIRST_CHECKPOINT_WAIT_MILLIS = TimeUnit.MINUTES.toMillis(5);
    private static final long FIRST_RUN_WAIT_MINUTES = 10;

    @TempDir
    Path dir;

    private static String[] train(Path runDir, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--config", "../conf/fashion-mnist-mlp.conf",
                "--set", "run_dir=" + runDir, "--set", "epochs=1", "--set", "checkpoint_every_steps=100",
                "--set", "keep_checkpoints=10"));
        args.addAll(List.of(extra));
        return args.toArray(String[]::new);
    }

    /** Starts {@code phalanx train} in a JVM of its own, with this JVM's options and classpath. */
    private static Process startFirst(Path runDir, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("--add-opens") || option.startsWith("-D")) {
                command.add(option);
            }
        }
        command.addAll(List.of("-Xmx3g", "-cp", System.getProperty("java.class.path"), PhalanxCli.class.getName()));
        command.addAll(List.of(train(runDir)));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Each checkpoint's completion marker, by name: any change to a checkpoint changes its marker. */
    private static Map<String, byte[]> checkpoints(Path runDir) throws IOException {
        Map<String, byte[]> markers = new TreeMap<>();
        try (Stream<Path> folders = Files.list(runDir.resolve("checkpoints"))) {
            for (Path folder : folders.filter(f -> f.getFileName().toString().startsWith("ckpt-")).toList()) {
                markers.put(folder.getFileName().toString(), Files.readAllBytes(folder.resolve("_COMMITTED")));
            }
        }
        return markers;
    }

    @Test
    void aSecondRunOnARunDirectoryInUseIsRefusedNamingTheFirstAndTouchesNone() throws Exception {
        Path runDir = dir.resolve("run");
        Path log = dir.resolve("first.log");
        Process first = startFirst(runDir, log);
        try {
            Path marker = runDir.resolve("checkpoints/ckpt-000000000100/_COMMITTED");
            long deadline = System.currentTimeMillis() + FIRST_CHECKPOINT_WAIT_MILLIS;
            while (!Files.exists(marker)) {
                assertTrue(first.isAlive(), "the first run ended early:\n" + Files.readString(log));
                assertTrue(System.currentTimeMillis() < deadline, "no first checkpoint:\n" + Files.readString(log));
                Thread.sleep(200);
            }
            Map<String, byte[]> before = checkpoints(runDir);

            for (String[] args : List.of(train(runDir), train(runDir, "--force"))) {
                CliRun second = CliRun.of(args);
                assertEquals(ExitCodes.BAD_CONFIG, second.code(), second.err());
                assertTrue(second.err().startsWith("phalanx: error: run_dir '"), second.err());
                assertTrue(second.err().contains("/run' is in use by another job: "), second.err());
                assertTrue(second.err().contains(" pid " + first.pid() + " (phalanx train --config"
                        + " ../conf/fashion-mnist-mlp.conf), since "), second.err());
                assertTrue(second.err().contains(", last heartbeat "), second.err());
                assertEquals(1, second.err().lines().count(), second.err());
                assertTrue(first.isAlive(), "the first run is still training");
            }

            Map<String, byte[]> after = checkpoints(runDir);
            System.out.println("the first run's checkpoints before the second run: " + before.keySet() + "; after: "
                    + after.keySet());
            for (Map.Entry<String, byte[]> checkpoint : before.entrySet()) {
                assertTrue(after.containsKey(checkpoint.getKey()), checkpoint.getKey() + " was moved or deleted");
                assertArrayEquals(checkpoint.getValue(), after.get(checkpoint.getKey()), checkpoint.getKey());
            }
            try (Stream<Path> siblings = Files.list(dir)) {
                assertTrue(siblings.noneMatch(p -> p.getFileName().toString().startsWith("run.previous-")),
                        "--force must not move the run aside");
            }

            assertTrue(first.waitFor(FIRST_RUN_WAIT_MINUTES, TimeUnit.MINUTES), "the first run did not finish");
            String firstOutput = Files.readString(log);
            System.out.println("first run's console:");
            firstOutput.lines().filter(line -> line.startsWith("phalanx") || line.startsWith("wrote")
                    || line.startsWith("test accuracy")).forEach(line -> System.out.println("  " + line));
            assertEquals(ExitCodes.OK, first.exitValue(), firstOutput);
            assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
            assertFalse(Files.exists(runDir.resolve(DirectoryLease.FILE)), "the run directory's lease is released");
            assertFalse(Files.exists(runDir.resolve("checkpoints").resolve(DirectoryLease.FILE)),
                    "the checkpoint directory's lease is released");
            List<CheckpointInfo> all = new CheckpointStore(runDir.resolve("checkpoints").toUri().toString(),
                    new Configuration(), 10).list();
            assertTrue(all.stream().allMatch(CheckpointInfo::valid), all.toString());
            assertTrue(all.stream().map(CheckpointInfo::name).toList().containsAll(before.keySet()), all.toString());
            assertEquals(468, all.get(0).step(), "the first run finished its epoch");
        } finally {
            first.destroyForcibly();
            first.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
