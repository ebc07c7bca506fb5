package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipeline behaviour around failures, through the real command line on Fashion-MNIST (one epoch
 * of the MLP, W=2, a checkpoint every 100 steps): a failed run leaves checkpoints, rerunning the
 * same command resumes and finishes, a finished run is not redone, and a run whose checkpoints are
 * all corrupt fails clearly without touching them.
 */
class RecoveryIT {

    @TempDir
    Path dir;

    private static String[] train(Path runDir, String... overrides) {
        List<String> args = new ArrayList<>(List.of("train", "--config", "../conf/fashion-mnist-mlp.conf",
                "--set", "run_dir=" + runDir, "--set", "epochs=1", "--set", "checkpoint_every_steps=100"));
        for (String override : overrides) {
            args.add("--set");
            args.add(override);
        }
        return args.toArray(String[]::new);
    }

    @Test
    void aFailedRunResumesWhenTheSameCommandRunsAgain() throws Exception {
        Path runDir = dir.resolve("run");
        CliRun failed = CliRun.of(train(runDir, "fault_injection=1:250", "max_attempts=1"));
        assertEquals(ExitCodes.TRAINING_FAILED, failed.code());
        assertTrue(failed.err().startsWith("phalanx: error: training failed: dev.phalanx.engine.worker.InjectedFault:"
                + " injected fault on rank 1 before step 250"), failed.err());

        CliRun listing = CliRun.of("checkpoints", runDir.toString());
        assertEquals(ExitCodes.OK, listing.code());
        List<String> rows = listing.out().lines().filter(line -> line.startsWith("ckpt-")).toList();
        assertEquals(2, rows.size(), listing.out());
        assertTrue(rows.get(0).matches("ckpt-000000000200 +200 +1 .* valid"), rows.get(0));
        assertTrue(rows.get(1).matches("ckpt-000000000100 +100 +1 .* valid"), rows.get(1));

        CliRun resumed = CliRun.of(train(runDir));
        assertEquals(ExitCodes.OK, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("phalanx: continuing the unfinished run in "), resumed.out());
        assertTrue(resumed.out().contains("phalanx: resuming from checkpoint ckpt-000000000200 (step 200, epoch 1)"),
                resumed.out());
        var summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals(60_000 / 128, summary.get("steps").asInt());
        assertTrue(summary.get("test_accuracy").asDouble() > 0.75, summary.toString());
        assertTrue(Files.exists(runDir.resolve("model/mlp-0000.params")));
        List<Long> loggedSteps = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            loggedSteps.add(new ObjectMapper().readTree(line).get("step").asLong());
        }
        assertEquals(50L, loggedSteps.get(0), "the failed attempt's lines are kept: " + loggedSteps);
        assertEquals(List.of(250L, 300L, 350L, 400L, 450L), loggedSteps.subList(loggedSteps.size() - 5, loggedSteps.size()),
                "the resumed attempt logs the steps after checkpoint 200: " + loggedSteps);
        List<String> metrics = Files.readAllLines(runDir.resolve("metrics.jsonl"));
        assertTrue(metrics.get(0).contains("\"all_reduce_millis\""), metrics.get(0));

        assertTrue(Files.exists(runDir.resolve("_SUCCESS")));

        CliRun again = CliRun.of(train(runDir));
        assertEquals(ExitCodes.OK, again.code(), again.err());
        assertTrue(again.out().contains("holds a finished run (_SUCCESS) with these settings; nothing to do"),
                again.out());
        String firstSummary = Files.readString(runDir.resolve("summary.json"));

        List<String> forced = new ArrayList<>(List.of(train(runDir)));
        forced.add("--force");
        CliRun fresh = CliRun.of(forced.toArray(String[]::new));
        assertEquals(ExitCodes.OK, fresh.code(), fresh.err());
        assertTrue(fresh.out().contains("phalanx: moved the earlier run aside to "), fresh.out());
        assertTrue(!fresh.out().contains("resuming from checkpoint"), "a forced run starts afresh: " + fresh.out());
        try (var siblings = Files.list(dir)) {
            Path aside = siblings.filter(p -> p.getFileName().toString().startsWith("run.previous-")).findFirst()
                    .orElseThrow();
            assertEquals(firstSummary, Files.readString(aside.resolve("summary.json")), "the earlier run is kept whole");
        }
    }

    @Test
    void whenEveryCheckpointIsCorruptTheRunStopsAndLeavesThemAlone() throws Exception {
        Path runDir = dir.resolve("corrupt");
        assertEquals(ExitCodes.TRAINING_FAILED, CliRun.of(train(runDir, "fault_injection=0:150", "max_attempts=1")).code());
        Path params = runDir.resolve("checkpoints/ckpt-000000000100/params.bin");
        byte[] bytes = Files.readAllBytes(params);
        bytes[1000] ^= 0x01;
        Files.write(params, bytes);

        CliRun refused = CliRun.of(train(runDir));
        assertEquals(ExitCodes.CHECKPOINT_UNUSABLE, refused.code());
        assertTrue(refused.err().startsWith("phalanx: error: none of the 1 checkpoints in "), refused.err());
        assertTrue(refused.err().contains("ckpt-000000000100: params.bin fails its checksum (corrupted)"), refused.err());
        assertEquals(1, refused.err().lines().count(), "one line: " + refused.err());
        assertArrayEquals(bytes, Files.readAllBytes(params), "the corrupt checkpoint must stay as it was");
        assertTrue(Files.notExists(runDir.resolve("summary.json")));
    }
}
