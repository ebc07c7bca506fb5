package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Submission through Spark's SparkLauncher returns the job's real outcome. */
class PhalanxSubmitIT {

    @TempDir
    Path dir;

    private PhalanxSubmit submission() throws Exception {
        Path jobJar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jobJar = files.filter(p -> p.getFileName().toString().endsWith("-job.jar")).findFirst().orElseThrow()
                    .toAbsolutePath();
        }
        return new PhalanxSubmit(TestSparkHome.create(), jobJar).master("local[2]")
                .conf("spark.ui.enabled", "false").timeout(Duration.ofMinutes(5));
    }

    private static String config() {
        return Path.of("..", "conf", "fashion-mnist-mlp.conf").toAbsolutePath().normalize().toString();
    }

    @Test
    void aSuccessfulJobReportsSuccess() throws Exception {
        Path runDir = dir.resolve("run");
        Path log = dir.resolve("ok.log");
        PhalanxSubmit.Outcome outcome = submission()
                .args("train", "--config", config(), "--set", "epochs=1", "--set", "run_dir=" + runDir)
                .run(log);
        assertTrue(outcome.succeeded(), outcome + "\n" + Files.readString(log));
        assertTrue(Files.exists(runDir.resolve("_SUCCESS")));
    }

    @Test
    void aBadConfigReportsItsExitCode() throws Exception {
        Path log = dir.resolve("bad.log");
        PhalanxSubmit.Outcome outcome = submission()
                .args("train", "--config", config(), "--set", "epochs=-1", "--set", "run_dir=" + dir.resolve("bad"))
                .run(log);
        assertFalse(outcome.timedOut());
        assertEquals(ExitCodes.BAD_CONFIG, outcome.exitCode(), Files.readString(log));
        assertTrue(Files.readString(log).contains("phalanx: error: epochs must be at least 1, got -1"),
                Files.readString(log));
    }
}
