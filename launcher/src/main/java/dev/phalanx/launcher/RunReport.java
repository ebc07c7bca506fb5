package dev.phalanx.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A run's {@code report.html}: its curves drawn as PNG charts (JFreeChart) from what the run
 * directory holds — {@code metrics.jsonl} (the logged steps with every rank's timing, the
 * validations) and, once the run has finished, {@code summary.json} (the epochs, the test metrics).
 * Charts: loss (training, validation), accuracy (training by epoch, validation, test), samples per
 * second, the step time split of the slowest rank with the step time's median and 99th percentile,
 * and the time of each checkpoint write (rank 0's) with the pause it cost training. A chart with
 * nothing to draw is left out. The page marks any chart its browser cannot load.
 *
 * <p>Written at the end of every {@code phalanx train} and by {@code phalanx report RUN_DIR}, also
 * for a run still going or one that failed.
 */
final class RunReport {

    /** The page, in the run directory. */
    static final String PAGE = "report.html";
    /** The folder of its charts, in the run directory. */
    static final String CHARTS = "report";

    private static final int WIDTH = 800;
    private static final int HEIGHT = 400;

    private final FileSystem fs;
    private final Path dir;
    private final ObjectMapper json = new ObjectMapper();

    private RunReport(FileSystem fs, Path dir) {
        this.fs = fs;
        this.dir = dir;
    }

    /**
     * Writes {@code report.html} and its charts into the run directory {@code dir}.
     *
     * @return the charts written
     * @throws IOException when the run directory holds no metrics.jsonl or cannot be written
     */
    static List<String> write(FileSystem fs, Path dir) throws IOException {
        return new RunReport(fs, dir).write();
    }

    private List<String> write() throws IOException {
        String metrics = read(MetricsLog.NAME);
        if (metrics == null) {
            throw new IOException("no " + MetricsLog.NAME + ": not a Phalanx run directory, or no step was logged"
                    + " yet");
        }
        List<JsonNode> steps = new ArrayList<>();
        List<JsonNode> validations = new ArrayList<>();
        for (String line : metrics.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node = json.readTree(line);
            if ("validation".equals(node.path("type").asText())) {
                validations.add(node);
            } else {
                steps.add(node);
            }
        }
        String summaryText = read(RunDirectory.SUMMARY);
        JsonNode summary = summaryText == null ? null : json.readTree(summaryText);

        Map<String, JFreeChart> charts = new LinkedHashMap<>();
        XYSeriesCollection loss = new XYSeriesCollection();
        add(loss, "training (logged steps)", steps, "step", "loss");
        add(loss, "validation", validations, "step", "loss");
        charts.put("loss", chart("Loss", "step", "loss", loss));

        XYSeriesCollection accuracy = new XYSeriesCollection();
        if (summary != null) {
            XYSeries train = new XYSeries("training (by epoch)");
            long step = 0;
            for (JsonNode epoch : summary.path("history")) {
                step += epoch.path("steps").asLong();
                double value = epoch.path("accuracy").asDouble(Double.NaN);
                if (Double.isFinite(value)) {
                    train.add(step, value);
                }
            }
            if (!train.isEmpty()) {
                accuracy.addSeries(train);
            }
            if (summary.path("test_accuracy").isNumber()) {
                XYSeries test = new XYSeries("test");
                test.add(summary.path("steps").asDouble(), summary.path("test_accuracy").asDouble());
                accuracy.addSeries(test);
            }
        }
        add(accuracy, "validation", validations, "step", "accuracy");
        charts.put("accuracy", chart("Accuracy", "step", "accuracy", accuracy));

        XYSeriesCollection throughput = new XYSeriesCollection();
        add(throughput, "all workers", steps, "step", "samples_per_second");
        charts.put("throughput", chart("Training throughput", "step", "samples per second", throughput));

        XYSeriesCollection split = new XYSeriesCollection();
        add(split, "slowest rank: data", steps, "step", "timings", "slowest_data_millis");
        add(split, "slowest rank: compute", steps, "step", "timings", "slowest_compute_millis");
        add(split, "slowest rank: all-reduce wait", steps, "step", "timings", "slowest_wait_millis");
        add(split, "median rank: data + compute", steps, "step", "timings", "median_busy_millis");
        add(split, "step time p50", steps, "step", "timings", "step_p50_millis");
        add(split, "step time p99", steps, "step", "timings", "step_p99_millis");
        charts.put("step-time", chart("Step time (ms per step, every rank)", "step", "milliseconds", split));

        XYSeries writes = new XYSeries("write (rank 0, in the background)");
        XYSeries pauses = new XYSeries("training paused");
        for (JsonNode step : steps) {
            for (JsonNode write : step.path("checkpoints")) {
                writes.add(write.path("step").asDouble(), write.path("seconds").asDouble());
                if (write.has("pause_seconds")) {
                    pauses.add(write.path("step").asDouble(), write.path("pause_seconds").asDouble());
                }
            }
        }
        XYSeriesCollection checkpoints = new XYSeriesCollection();
        if (!writes.isEmpty()) {
            checkpoints.addSeries(writes);
        }
        if (!pauses.isEmpty()) {
            checkpoints.addSeries(pauses);
        }
        charts.put("checkpoints", chart("Checkpoints (seconds each)", "step", "seconds", checkpoints));

        List<String> written = new ArrayList<>();
        fs.mkdirs(new Path(dir, CHARTS));
        for (Map.Entry<String, JFreeChart> entry : charts.entrySet()) {
            if (entry.getValue() == null) {
                continue;
            }
            String name = CHARTS + "/" + entry.getKey() + ".png";
            try (OutputStream out = fs.create(new Path(dir, name), true)) {
                ChartUtils.writeChartAsPNG(out, entry.getValue(), WIDTH, HEIGHT);
            }
            written.add(name);
        }
        try (OutputStream out = fs.create(new Path(dir, PAGE), true)) {
            out.write(page(summary, steps, validations, written).getBytes(StandardCharsets.UTF_8));
        }
        return written;
    }

    /** Adds the series of {@code field} (a path of nested keys) against {@code x} of {@code lines}, if any. */
    private static void add(XYSeriesCollection collection, String name, List<JsonNode> lines, String x,
            String... field) {
        XYSeries series = new XYSeries(name);
        for (JsonNode line : lines) {
            JsonNode value = line;
            for (String key : field) {
                value = value.path(key);
            }
            if (value.isNumber() && Double.isFinite(value.asDouble())) {
                series.add(line.path(x).asDouble(), value.asDouble());
            }
        }
        if (!series.isEmpty()) {
            collection.addSeries(series);
        }
    }

    /** A line chart of {@code data}, or null when it has no series. */
    private static JFreeChart chart(String title, String x, String y, XYSeriesCollection data) {
        if (data.getSeriesCount() == 0) {
            return null;
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL, true, false,
                false);
        StandardChartTheme.createJFreeTheme().apply(chart);
        XYPlot plot = chart.getXYPlot();
        // Points as well as lines: one epoch or one validation is a single point.
        plot.setRenderer(new XYLineAndShapeRenderer(true, true));
        NumberAxis steps = (NumberAxis) plot.getDomainAxis();
        steps.setAutoRangeIncludesZero(true);
        steps.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }

    private String page(JsonNode summary, List<JsonNode> steps, List<JsonNode> validations, List<String> charts) {
        StringBuilder html = new StringBuilder();
        String title = "Phalanx run " + dir.getName();
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(title)).append("</title>\n<style>\nbody { font-family: sans-serif; margin: 2em; }\n"
                        + "table { border-collapse: collapse; } td, th { padding: 0.2em 0.8em; text-align: left; }\n"
                        + "th { font-weight: normal; color: #555; } .missing { color: #b00; }\n</style>\n</head>\n"
                        + "<body>\n<h1>").append(escape(title)).append("</h1>\n<table>\n");
        Map<String, String> facts = new LinkedHashMap<>();
        if (summary != null) {
            facts.put("model", summary.path("model").asText());
            facts.put("data", summary.path("dataset").asText());
            facts.put("workers", summary.path("world_size").asText());
            facts.put("steps", summary.path("steps").asText());
            facts.put("final training loss", format(summary.path("final_loss")));
            if (summary.path("test_accuracy").isNumber()) {
                facts.put("test accuracy", String.format(Locale.ROOT, "%.2f%%",
                        100 * summary.path("test_accuracy").asDouble()));
            }
            facts.put("samples per second", format(summary.path("samples_per_second")));
            facts.put("stragglers", summary.path("straggler_intervals").asText("0") + " logged intervals");
        } else {
            facts.put("state", "no summary.json: the run is going, or it failed");
        }
        facts.put("logged steps", Integer.toString(steps.size()));
        facts.put("validations", Integer.toString(validations.size()));
        facts.forEach((key, value) -> html.append("<tr><th>").append(escape(key)).append("</th><td>")
                .append(escape(value)).append("</td></tr>\n"));
        html.append("</table>\n");
        for (String chart : charts) {
            html.append("<p><img src=\"").append(chart).append("\" width=\"").append(WIDTH).append("\" height=\"")
                    .append(HEIGHT).append("\" alt=\"").append(chart).append("\"></p>\n");
        }
        // Says so on the page when a chart does not load (a copy of the page without its folder).
        html.append("<script>\nwindow.addEventListener('load', () => {\n"
                + "  const images = Array.from(document.images);\n"
                + "  const missing = images.filter(i => !(i.complete && i.naturalWidth > 0));\n"
                + "  missing.forEach(i => { const p = document.createElement('p'); p.className = 'missing';\n"
                + "    p.textContent = 'chart ' + i.getAttribute('src') + ' did not load'; i.after(p); });\n"
                + "  document.body.dataset.charts = (images.length - missing.length) + ' of ' + images.length;\n"
                + "});\n</script>\n</body>\n</html>\n");
        return html.toString();
    }

    private static String format(JsonNode value) {
        return value.isNumber() ? String.format(Locale.ROOT, "%.4g", value.asDouble()) : value.asText();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private String read(String name) throws IOException {
        Path file = new Path(dir, name);
        if (!fs.exists(file)) {
            return null;
        }
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
