package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code phalanx report RUN_DIR} on a run still going (metrics.jsonl as the console writes it, no
 * summary.json): the charts it has data for, a page in which headless Chromium loads them all, and
 * the page saying so when one is missing; a folder that is no run is refused in one line.
 */
class ReportCommandTest {

    @TempDir
    Path runs;

    @Test
    void aRunStillGoingGetsTheChartsItHasDataFor() throws Exception {
        Path run = runs.resolve("going");
        try (RunDirectory runDir = TestRuns.open(run, "ReportCommandTest");
                MetricsLog metrics = MetricsLog.open(runDir)) {
            ConsoleProgress progress = TestRuns.quietConsole(2, metrics, null);
            for (int i = 1; i <= 6; i++) {
                progress.onStep(new StepMetrics(50L * i, 600, 1, 2.0 / i, 5_000 + 100 * i, 1.5, 0.05,
                        new RankTimings(i % 2, "host-" + i % 2, 1.0, 10.0 + i, 2.0, 11.0, 14.0, 20.0, false),
                        i % 2 == 0 ? List.of(new CheckpointWrite(50L * i - 20, 0.5 + i, 0.01 * i)) : List.of()));
            }
        }
        CliRun report = CliRun.of("report", run.toString());
        assertEquals(ExitCodes.OK, report.code(), report.err());
        // No epoch has ended and there is no validation: no accuracy chart.
        assertTrue(report.out().contains("with 4 charts: report/loss.png, report/throughput.png,"
                + " report/step-time.png, report/checkpoints.png"), report.out());
        String dom = HeadlessBrowser.dom(run.resolve(RunReport.PAGE));
        assertTrue(dom.contains("data-charts=\"4 of 4\""), dom);
        assertTrue(dom.contains("no summary.json: the run is going, or it failed"), dom);

        Files.delete(run.resolve("report").resolve("throughput.png"));
        String broken = HeadlessBrowser.dom(run.resolve(RunReport.PAGE));
        assertTrue(broken.contains("data-charts=\"3 of 4\""), broken);
        assertTrue(broken.contains("chart report/throughput.png did not load"), broken);
    }

    @Test
    void aFolderWithoutMetricsIsRefusedInOneLine() throws Exception {
        Path empty = Files.createDirectories(runs.resolve("empty"));
        CliRun report = CliRun.of("report", empty.toString());
        assertEquals(ExitCodes.BAD_CONFIG, report.code());
        assertEquals("phalanx: error: RUN_DIR '" + empty + "': no metrics.jsonl: not a Phalanx run directory, or no"
                + " step was logged yet", report.err().strip());
        assertFalse(Files.exists(empty.resolve(RunReport.PAGE)));
    }
}
