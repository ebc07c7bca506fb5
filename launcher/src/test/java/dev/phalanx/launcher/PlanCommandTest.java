package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code phalanx plan RUN_DIR} on a run directory written here: its measured checkpoint pause and
 * write, step time and start-up, its settings, and the rows predicted from them, against values
 * worked out by hand.
 */
class PlanCommandTest {

    @TempDir
    Path run;

    private void writeRun(String settings) throws Exception {
        Files.writeString(run.resolve(RunDirectory.JOB_CONF), "\"workers\"=2\n\"batch_size\"=128\n" + settings);
        StringBuilder metrics = new StringBuilder();
        for (int i = 1; i <= 3; i++) {
            // 12,800 samples/s at 128 a step: 0.01 s; pauses 0.4, 0.5, 0.6 s; writes 1, 2, 3 s.
            metrics.append("{\"step\":").append(100 * i).append(",\"samples_per_second\":12800,\"checkpoints\":[{\"step\":")
                    .append(100 * i - 50).append(",\"seconds\":").append(i).append(",\"pause_seconds\":")
                    .append(0.3 + 0.1 * i).append("}]}\n");
        }
        Files.writeString(run.resolve(MetricsLog.NAME), metrics);
        Files.writeString(run.resolve(RunDirectory.SUMMARY), "{\"timings\":{\"stage_launched\":5.0,\"first_step\":6.5}}");
    }

    @Test
    void predictsTheRunAtItsSizeAndLargerFromWhatItMeasured() throws Exception {
        writeRun("\"mtbf\"=\"2000h\"\n\"checkpoint_interval\"=\"5m\"\n");
        CliRun plan = CliRun.of("plan", run.toString());
        assertEquals(ExitCodes.OK, plan.code(), plan.err());
        String out = plan.out();
        assertTrue(out.contains("measured: checkpoint pause 0.500 s and write 2.00 s (medians of 3), step 0.0100 s"), out);
        // Relaunch: stage launch to first step 1.5 s, plus reading a checkpoint as long as writing one.
        assertTrue(out.contains("card MTBF 2,000.0 h (the run's mtbf); detection 2.0 min (collective_timeout"), out);
        assertTrue(out.contains("relaunch 3.50 s (the run's stage launch to first step 1.50 s + reading a checkpoint"
                + " 2.00 s"), out);
        // W=2: the job fails every 1,000 h. First order at 5 min: (1 - 0.5/300.5) * (1 - (120 + 3.5 + 2 + 150.25)
        // / 3.6e6) = 0.99826. Daly: sqrt(2 * 0.5 * 3.6e6) * 1.0000878 - 0.5 = 1897.0 s.
        // About one failure in 1,000 training hours: the simulation agrees with the formula to 0.1%.
        assertTrue(out.contains("| 2 | 1,000.0 h | 5.0 min | 99.8% | 99.8% | 31.6 min | "), out);
        // 100,000 cards fail every 72 s; a recovery takes 124 s: no progress.
        assertTrue(out.contains("| 100,000 | 1.2 min | 5.0 min | — | 0% (no progress) |"), out);
    }

    @Test
    void withoutAnMtbfLlama3sRateIsAssumedAndSaid() throws Exception {
        writeRun("\"checkpoint_interval\"=auto\n");
        CliRun plan = CliRun.of("plan", run.toString(), "--cards", "16384");
        assertEquals(ExitCodes.OK, plan.code(), plan.err());
        // 16,384 GPUs * 54 days * 24 h / 419 interruptions = 50,677 h per GPU: the job fails every 3.09 h.
        assertTrue(plan.out().contains("card MTBF 50,677.0 h (Llama 3's"), plan.out());
        assertTrue(plan.out().contains("| 16,384 | 3.1 h |"), plan.out());
    }

    @Test
    void aRunWithoutCheckpointPausesIsRefusedInOneLine() throws Exception {
        Files.writeString(run.resolve(RunDirectory.JOB_CONF), "\"workers\"=2\n");
        Files.writeString(run.resolve(MetricsLog.NAME), "{\"step\":50,\"samples_per_second\":1000,\"checkpoints\":[]}\n");
        CliRun plan = CliRun.of("plan", run.toString());
        assertEquals(ExitCodes.BAD_CONFIG, plan.code());
        assertEquals("phalanx: error: RUN_DIR '" + run + "': metrics.jsonl records no checkpoint written during training"
                + " (with its pause); train with checkpoints at an interval shorter than the run", plan.err().strip());
    }
}
