package dev.phalanx.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.phalanx.engine.job.StepMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code metrics.jsonl} in the run directory: one JSON object per logged step (step, total_steps,
 * epoch, loss, samples_per_second, all_reduce_millis, learning_rate), flushed line by line so a pipeline or a
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

    /** Appends one line. */
    void append(StepMetrics metrics) {
        try {
            out.write(json.writeValueAsBytes(metrics));
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
