package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;

/**
 * The README's main job, end to end: conf/fashion-mnist-mlp.conf (MLP, W=2, 3 epochs) on an
 * embedded local Spark with the real Fashion-MNIST, judged on the full 10 000-image test set.
 */
class FashionMnistTrainingIT {

    @TempDir
    Path dir;

    @Test
    void theMlpReaches85PercentTestAccuracyInThreeEpochsWithTwoWorkers() throws Exception {
        Path runDir = dir.resolve("run");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PhalanxCli.run(
                new String[] {"train", "--config", "../conf/fashion-mnist-mlp.conf", "--set", "run_dir=" + runDir},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String console = out.toString(StandardCharsets.UTF_8);
        System.out.print(console);
        assertEquals(ExitCodes.OK, code, err.toString(StandardCharsets.UTF_8));
        assertTrue(console.contains("epoch 3/3"), console);

        JsonNode summary = new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        assertEquals(2, summary.get("world_size").asInt());
        assertEquals(3, summary.get("epochs").asInt());
        assertEquals(3 * (60_000 / 128), summary.get("steps").asInt());
        assertEquals(3, summary.get("history").size());
        assertEquals(10_000, summary.get("test_samples").asInt());
        assertTrue(summary.get("final_loss").asDouble() < summary.get("history").get(0).get("loss").asDouble());
        assertTrue(summary.get("samples_per_second").asDouble() > 0);
        assertTrue(summary.get("wall_seconds").asDouble() >= summary.get("train_seconds").asDouble());
        double firstStep = summary.get("first_step_seconds").asDouble();
        assertTrue(firstStep > 0 && firstStep + summary.get("train_seconds").asDouble()
                <= summary.get("wall_seconds").asDouble(), summary.toString());
        double accuracy = summary.get("test_accuracy").asDouble();
        assertTrue(accuracy >= 0.85, "test accuracy " + accuracy + " < 0.85");
        JsonNode metrics = summary.get("test_metrics");
        assertEquals(accuracy, metrics.get("accuracy").asDouble());
        assertTrue(metrics.get("macro_f1").asDouble() > 0.8 && metrics.get("weighted_recall").asDouble() == accuracy,
                metrics.toString());
        // Every phase is timed, in the order the run went through them, and the console says when the first step began.
        JsonNode timings = summary.get("timings");
        List<String> phases = List.of("jvm_started", "command", "spark_session", "data_loaded", "fit", "sharded",
                "model_checked", "stage_launched", "shard_filled", "connected", "model_built", "first_step",
                "training_done", "trained", "evaluated", "exported");
        List<String> recorded = new ArrayList<>();
        timings.fieldNames().forEachRemaining(recorded::add);
        assertEquals(phases, recorded, timings.toString());
        for (int i = 1; i < phases.size(); i++) {
            assertTrue(timings.get(phases.get(i)).asDouble() >= timings.get(phases.get(i - 1)).asDouble(),
                    phases.get(i) + " before " + phases.get(i - 1) + ": " + timings);
        }
        // Timings are wall-clock milliseconds rounded to 0.01 s; wall_seconds is measured from the
        // command's start on the monotonic clock: they agree to a few hundredths.
        assertTrue(timings.get("exported").asDouble() - timings.get("command").asDouble()
                <= summary.get("wall_seconds").asDouble() + 0.05, timings + " against " + summary.get("wall_seconds"));
        assertTrue(console.contains(String.format(java.util.Locale.ROOT, "start-up: first step at %.1f s (JVM ",
                timings.get("first_step").asDouble())), console);

        // The run's report: its charts decode as PNGs (a checkpoints chart too when a write finished
        // before a logged step), and a real browser loads every one of them.
        assertTrue(console.contains("summary.json and report.html"), console);
        List<String> charts;
        try (Stream<Path> files = Files.list(runDir.resolve("report"))) {
            charts = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertTrue(charts.containsAll(List.of("accuracy.png", "loss.png", "step-time.png", "throughput.png")),
                charts.toString());
        for (String chart : charts) {
            BufferedImage image = ImageIO.read(runDir.resolve("report").resolve(chart).toFile());
            assertEquals(800, image.getWidth(), chart);
            assertEquals(400, image.getHeight(), chart);
        }
        // TensorBoard: one event file whose every record reads back, a loss at every logged step.
        List<Path> eventFiles;
        try (Stream<Path> files = Files.list(runDir.resolve("tensorboard"))) {
            eventFiles = files.toList();
        }
        assertEquals(1, eventFiles.size(), eventFiles.toString());
        List<Event> events = TfRecords.events(eventFiles.get(0));
        assertEquals(3 * (60_000 / 128) / 50, events.stream().filter(e -> e.getSummary().getValueList().stream()
                .anyMatch(v -> v.getTag().equals("train/loss"))).count());
        String dom = HeadlessBrowser.dom(runDir.resolve("report.html"));
        assertTrue(dom.contains("data-charts=\"" + charts.size() + " of " + charts.size() + "\""), dom);
        assertFalse(dom.contains("<p class=\"missing\">"), dom);
    }
}
