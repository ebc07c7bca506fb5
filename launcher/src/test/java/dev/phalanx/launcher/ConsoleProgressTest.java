package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the console shows: on a terminal only the epoch lines stay; in a log every report is a line. */
class ConsoleProgressTest {

    @TempDir
    Path runs;

    @Test
    void onATerminalTheStepLineIsRewrittenAndErasedSoOneLinePerEpochStays() throws Exception {
        String printed = play(true);
        assertEquals(List.of("epoch 1/2  loss 0.5000  train accuracy 80.00%  1,000 samples/s  100 steps  1.0 s",
                "phalanx: relaunching"), screen(printed));
    }

    @Test
    void inALogEveryStepReportIsAPlainLine() throws Exception {
        List<String> lines = play(false).lines().toList();
        assertEquals(5, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("epoch 1/2  step 50/200  loss 1.2500"), lines.get(0));
        assertTrue(lines.get(1).startsWith("epoch 1/2  step 100/200  loss 0.7500"), lines.get(1));
        assertTrue(lines.get(2).startsWith("epoch 1/2  loss 0.5000"), lines.get(2));
        assertTrue(lines.get(3).startsWith("epoch 2/2  step 150/200  loss 0.5000  lr 0.0250  "), lines.get(3));
        assertEquals("phalanx: relaunching", lines.get(4));
    }

    /**
     * A straggler is announced when it appears and when another rank becomes the one, not at every
     * report while it stays; metrics.jsonl keeps every report's timings.
     */
    @Test
    void aStragglerIsAnnouncedOnceAndKeptInTheMetricsLog() throws Exception {
        RankTimings slowOne = new RankTimings(1, "host-b", 40.0, 2.0, 1.0, 2.5, 43.0, 45.0, true);
        RankTimings slowZero = new RankTimings(0, "host-a", 30.0, 2.0, 1.0, 2.5, 33.0, 35.0, true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConsoleProgress progress;
        try (RunDirectory runDir = RunDirectory.open(runs.resolve("s").toUri().toString(), "mlp", new Configuration(),
                        false, new RunDirectory.Leasing(Duration.ofMinutes(2), "ConsoleProgressTest", notice -> {}));
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                MetricsLog metrics = MetricsLog.open(runDir)) {
            progress = new ConsoleProgress(out, 1, metrics, false);
            for (RankTimings timings : List.of(slowOne, slowOne, EVEN, slowOne, slowZero)) {
                progress.onStep(new StepMetrics(10, 50, 1, 1.0, 1_000, 1.0, 0.05, timings));
            }
        }
        List<String> notices = bytes.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith("phalanx:"))
                .toList();
        assertEquals(List.of("phalanx: " + slowOne.describe(), "phalanx: " + slowOne.describe(),
                "phalanx: " + slowZero.describe()), notices);
        assertEquals(4, progress.stragglerIntervals());
        assertEquals(slowZero, progress.lastTimings());
        List<String> logged = Files.readAllLines(runs.resolve("s").resolve(MetricsLog.NAME));
        assertEquals(5, logged.size());
        assertTrue(logged.get(0).contains("\"timings\":{\"slowest_rank\":1,\"slowest_host\":\"host-b\""), logged.get(0));
    }

    /** Two ranks equally busy: no straggler. */
    private static final RankTimings EVEN = new RankTimings(1, "host-b", 1.0, 10.0, 2.0, 11.0, 13.0, 14.0, false);

    /** Two step reports (the second line shorter), an epoch, a step report and a notice. */
    private String play(boolean terminal) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (RunDirectory runDir = RunDirectory.open(runs.resolve(terminal ? "t" : "l").toUri().toString(), "mlp",
                        new Configuration(), false,
                        new RunDirectory.Leasing(Duration.ofMinutes(2), "ConsoleProgressTest", notice -> {}));
                PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
                MetricsLog metrics = MetricsLog.open(runDir)) {
            ConsoleProgress progress = new ConsoleProgress(out, 2, metrics, terminal);
            progress.onStep(new StepMetrics(50, 200, 1, 1.25, 123_456, 12.5, 0.05, EVEN));
            progress.onStep(new StepMetrics(100, 200, 1, 0.75, 1_000, 1.0, 0.05, EVEN));
            progress.onEpoch(new EpochMetrics(1, 100, 0.5, 0.8, 1_000, 1.0));
            progress.onStep(new StepMetrics(150, 200, 2, 0.5, 1_000, 1.0, 0.025, EVEN));
            progress.onEvent("relaunching");
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Renders what a terminal shows: a carriage return moves to the line's start, text overwrites. */
    private static List<String> screen(String printed) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        int column = 0;
        for (char c : printed.toCharArray()) {
            if (c == '\n') {
                lines.add(line.toString().stripTrailing());
                line.setLength(0);
                column = 0;
            } else if (c == '\r') {
                column = 0;
            } else {
                if (column < line.length()) {
                    line.setCharAt(column, c);
                } else {
                    line.append(c);
                }
                column++;
            }
        }
        if (!line.toString().isBlank()) {
            lines.add(line.toString().stripTrailing());
        }
        return lines;
    }
}
