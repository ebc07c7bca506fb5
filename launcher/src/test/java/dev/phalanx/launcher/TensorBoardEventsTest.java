package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * The TensorBoard event file a run writes, read back record by record — TFRecord framing with its
 * checksums, then each record parsed by the classes TensorFlow generates from its own {@code
 * event.proto} and {@code summary.proto} (the messages TensorBoard reads), not by a parser of ours.
 */
class TensorBoardEventsTest {

    @TempDir
    Path runs;

    @Test
    void theScalarsOfEveryStepAndEpochReadBackWithTensorFlowsGeneratedClasses() throws Exception {
        Path run = runs.resolve("run");
        try (RunDirectory runDir = TestRuns.open(run, "TensorBoardEventsTest");
                MetricsLog metrics = MetricsLog.open(runDir);
                TensorBoardEvents events = TensorBoardEvents.open(runDir, "test-host", notice -> {
                    throw new AssertionError(notice);
                })) {
            ConsoleProgress progress = TestRuns.quietConsole(1, metrics, events);
            progress.onStep(new StepMetrics(10, 20, 1, 1.5, 2_000, 3.0, 0.05,
                    new RankTimings(1, "host-b", 40.0, 2.0, 1.0, 2.5, 43.0, 45.0, true)));
            progress.onStep(new StepMetrics(20, 20, 1, 0.75, 2_500, 3.0, 0.025,
                    new RankTimings(0, "host-a", 1.0, 2.0, 1.0, 3.0, 4.0, 5.0, false),
                    List.of(new CheckpointWrite(16, 0.25, 0.125))));
            progress.onEpoch(new EpochMetrics(1, 20, 1.1, 0.625, 2_200, 1.0));
        }
        Path file;
        try (Stream<Path> files = Files.list(run.resolve(TensorBoardEvents.FOLDER))) {
            file = files.filter(f -> f.getFileName().toString().startsWith("events.out.tfevents."))
                    .filter(f -> f.getFileName().toString().endsWith(".test-host")).findFirst().orElseThrow();
        }
        List<Event> events = TfRecords.events(file);
        assertEquals(5, events.size());
        assertEquals("brain.Event:2", events.get(0).getFileVersion());

        Map<String, Float> first = scalars(events.get(1));
        assertEquals(10, events.get(1).getStep());
        assertEquals(1.5f, first.get("train/loss"));
        assertEquals(2_000f, first.get("train/samples_per_second"));
        assertEquals(0.05f, first.get("train/learning_rate"));
        assertEquals(1f, first.get("time/slowest_rank"));
        assertEquals(40f, first.get("time/slowest_data_ms"));
        assertEquals(45f, first.get("time/step_p99_ms"));
        assertTrue(events.get(1).getWallTime() > 1.7e9, "wall time in seconds since the epoch");

        assertEquals(20, events.get(2).getStep());
        assertEquals(0.75f, scalars(events.get(2)).get("train/loss"));

        assertEquals(16, events.get(3).getStep());
        assertEquals(Map.of("checkpoint/write_seconds", 0.25f, "checkpoint/pause_seconds", 0.125f),
                scalars(events.get(3)));

        Map<String, Float> epoch = scalars(events.get(4));
        assertEquals(20, events.get(4).getStep());
        assertEquals(Map.of("epoch/loss", 1.1f, "epoch/accuracy", 0.625f, "epoch/samples_per_second", 2_200f), epoch);
    }

    private static Map<String, Float> scalars(Event event) {
        Map<String, Float> values = new LinkedHashMap<>();
        for (Summary.Value value : event.getSummary().getValueList()) {
            values.put(value.getTag(), value.getSimpleValue());
        }
        return values;
    }

    @Test
    void theChecksumMaskIsTensorFlows() {
        // CRC32C("123456789") is 0xE3069283, the standard check value.
        assertEquals(Integer.rotateRight(0xE3069283, 15) + 0xa282ead8,
                TensorBoardEvents.maskedCrc("123456789".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(0xa282ead8, TensorBoardEvents.maskedCrc(new byte[0]));
    }
}
