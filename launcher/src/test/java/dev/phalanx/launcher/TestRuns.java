package dev.phalanx.launcher;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;

/** Run directories and a silent console for the launcher's tests. */
final class TestRuns {

    private TestRuns() {}

    /** Opens (leases) a fresh run directory at {@code dir} for a {@code mlp} run. */
    static RunDirectory open(Path dir, String application) throws IOException {
        return RunDirectory.open(dir.toUri().toString(), "mlp", new Configuration(), false,
                new RunDirectory.Leasing(Duration.ofMinutes(2), application, notice -> {}));
    }

    /** A console that prints nowhere, as a log (not a terminal). */
    static ConsoleProgress quietConsole(int epochs, MetricsLog metrics, TensorBoardEvents tensorBoard) {
        PrintStream nowhere = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return tensorBoard == null ? new ConsoleProgress(nowhere, epochs, metrics, false)
                : new ConsoleProgress(nowhere, epochs, metrics, tensorBoard);
    }
}
