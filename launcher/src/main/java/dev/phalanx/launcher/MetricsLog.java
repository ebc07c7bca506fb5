package dev.phalanx.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code metrics.jsonl} in the run directory: one JSON object per logged step (step, total_steps,
 * epoch, loss, samples_per_second, all_reduce_millis, learning_rate) and one per validation
 * ({@code "type": "validation"}, epoch, step, then the metrics: loss, accuracy, top_k_accuracy,
 * macro_f1, weighted_f1, or loss, mse, rmse, mae, r2), flushed line by line so a pipeline or a
 * person can follow it while the job runs. A resumed run keeps the lines written before.
 */
final class MetricsLog implements AutoCloseable {

    static final String NAME = "metrics.jsonl";

    private final OutputStream out;
    private final ObjectMapper json = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private MetricsLog(OutputStream out) {
        this.out = out;
    }

    /** Opens the log, carrying over the lines of an earlier attempt of the same run. */
    static MetricsLog open(RunDirectory runDir) throws IOException {
        // Not every Hadoop file system can append, so the earlier lines are copied into a new file.
        String earlier = runDir.read(NAME);
        OutputStream out = runDir.create(NAME);
        if (earlier != null) {
            out.write(earlier.getBytes(StandardCharsets.UTF_8));
        }
        return new MetricsLog(out);
    }

    /** Appends one step's line. */
    void append(StepMetrics metrics) {
        write(metrics);
    }

    /** Appends one validation's line. */
    void append(Validation validation) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("type", "validation");
        line.put("epoch", validation.epoch());
        line.put("step", validation.step());
        line.putAll(validation.evaluation().metrics());
        line.put("rows", validation.evaluation().count());
        write(line);
    }

    private void write(Object value) {
        try {
            out.write(json.writeValueAsBytes(value));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + NAME, e);
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
