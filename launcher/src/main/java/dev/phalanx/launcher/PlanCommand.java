package dev.phalanx.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionType;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.plan.CheckpointCadence;
import dev.phalanx.engine.plan.FailureSimulation;
import dev.phalanx.engine.plan.RunAtScale;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code phalanx plan RUN_DIR}: what share of a long run's wall time would train, at the run's own
 * size and at larger ones, with the checkpoint pause and write time the run measured ({@code
 * metrics.jsonl}), its checkpoint settings ({@code job.conf}) and a failure rate ({@code mtbf}, or
 * the rate Llama 3's 16,384-GPU run reported). Each row is simulated ({@link FailureSimulation})
 * beside the first-order formula, at the configured interval and at Daly's.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Predict the share of a long run's time that trains, from a run's measured checkpoint costs.")
final class PlanCommand implements Callable<Integer> {

    /** Llama 3: 16,384 GPUs, 419 unexpected interruptions in 54 days (Dubey et al., 2024). */
    static final double LLAMA3_CARD_MTBF_HOURS = 16_384.0 * 54 * 24 / 419;
    private static final int SEEDS = 4;
    /** Checkpoint intervals and failures one simulated run may pass through. */
    private static final double MAX_EVENTS = 2e6;

    @Parameters(paramLabel = "RUN_DIR", description = "a run directory with checkpoints (any Hadoop file system URI)")
    String runDir;

    @Option(names = "--cards", split = ",", paramLabel = "N[,N...]",
            description = "sizes to predict besides the run's own (default 1024,16384,100000)")
    List<Long> cards = List.of(1_024L, 16_384L, 100_000L);

    @Option(names = "--mtbf", paramLabel = "DURATION", description = "one card's mean time between failures"
            + " (default: the run's mtbf, else Llama 3's)")
    String mtbf;

    @Option(names = "--relaunch", paramLabel = "DURATION", description = "from a detected failure to training"
            + " again (default: the run's stage launch to first step, plus reading a checkpoint)")
    String relaunch;

    @Option(names = "--hours", paramLabel = "HOURS", description = "training hours simulated (default 1000)")
    double hours = 1_000;

    private final PrintStream out;

    PlanCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        Path dir;
        FileSystem fs;
        try {
            dir = new Path(runDir);
            fs = dir.getFileSystem(new Configuration());
        } catch (IllegalArgumentException | IOException e) {
            throw new ConfigError("RUN_DIR '" + runDir + "' cannot be opened: " + e.getMessage());
        }
        String conf = read(fs, dir, RunDirectory.JOB_CONF);
        String metrics = read(fs, dir, MetricsLog.NAME);
        if (conf == null || metrics == null) {
            throw new ConfigError("RUN_DIR '" + runDir + "' holds no " + (conf == null ? RunDirectory.JOB_CONF
                    : MetricsLog.NAME) + ": not a Phalanx run directory, or no step was logged yet");
        }
        Config job = ConfigFactory.parseString(conf);
        Measured measured = Measured.of(metrics, setting(job, TrainingKeys.BATCH_SIZE));
        if (measured.pauses().isEmpty()) {
            throw new ConfigError("RUN_DIR '" + runDir + "': " + MetricsLog.NAME + " records no checkpoint written"
                    + " during training (with its pause); train with checkpoints at an interval shorter than the run");
        }
        int workers = setting(job, TrainingKeys.WORKERS);
        double pause = median(measured.pauses());
        double write = median(measured.writes());
        double stepSeconds = median(measured.stepSeconds());
        Duration configuredMtbf = setting(job, TrainingKeys.MTBF);
        double cardMtbfHours;
        String mtbfSource;
        if (mtbf != null) {
            cardMtbfHours = hoursOf(duration(mtbf, "--mtbf"));
            mtbfSource = "--mtbf " + mtbf;
        } else if (!configuredMtbf.isZero()) {
            cardMtbfHours = hoursOf(configuredMtbf);
            mtbfSource = "the run's mtbf";
        } else {
            cardMtbfHours = LLAMA3_CARD_MTBF_HOURS;
            mtbfSource = "Llama 3's (16,384 GPUs, 419 interruptions in 54 days); set mtbf or --mtbf";
        }
        double detection = seconds(setting(job, TrainingKeys.COLLECTIVE_TIMEOUT));
        double relaunchSeconds;
        String relaunchSource;
        if (relaunch != null) {
            relaunchSeconds = seconds(duration(relaunch, "--relaunch"));
            relaunchSource = "--relaunch " + relaunch;
        } else {
            double restart = stageToFirstStep(read(fs, dir, RunDirectory.SUMMARY));
            relaunchSeconds = restart + write;
            relaunchSource = String.format(Locale.ROOT, "the run's stage launch to first step %.2f s + reading a"
                    + " checkpoint %.2f s; on a cluster add the time new executors take (--relaunch)", restart, write);
        }
        Duration interval = setting(job, TrainingKeys.CHECKPOINT_INTERVAL);
        long everySteps = setting(job, TrainingKeys.CHECKPOINT_EVERY_STEPS);
        out.printf(Locale.ROOT, "phalanx plan: %s, %d workers; measured: checkpoint pause %.3g s and write %.3g s"
                + " (medians of %d), step %.3g s%n", dir, workers, pause, write, measured.pauses().size(), stepSeconds);
        out.printf(Locale.ROOT, "assumed: card MTBF %s (%s); detection %s (collective_timeout, the bound for a silent"
                + " peer; a crash is seen sooner); relaunch %s (%s)%n", readable(cardMtbfHours * 3600), mtbfSource,
                readable(detection), readable(relaunchSeconds), relaunchSource);
        out.println();
        out.println("| cards | job MTBF | interval (configured) | effective, simulated | first order"
                + " | Daly's interval | effective at Daly's |");
        out.println("|---|---|---|---|---|---|---|");
        List<Long> sizes = new ArrayList<>(List.of((long) workers));
        cards.stream().filter(n -> n != workers).forEach(sizes::add);
        for (long n : sizes) {
            RunAtScale run = new RunAtScale(n, cardMtbfHours, detection, relaunchSeconds, pause, write, 1);
            double daly = CheckpointCadence.daly(pause, run.systemMtbfSeconds());
            double configured = interval.equals(OptionType.AUTO) ? daly
                    : !interval.isZero() ? seconds(interval)
                    : everySteps > 0 ? everySteps * stepSeconds : hours * 3600;
            RunAtScale asConfigured = run.withCheckpointInterval(configured);
            RunAtScale atDaly = run.withCheckpointInterval(daly);
            double firstOrder = CheckpointCadence.firstOrderEfficiency(asConfigured);
            out.printf(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s |%n", n,
                    readable(run.systemMtbfSeconds()), readable(configured), simulated(asConfigured),
                    firstOrder > 0 ? String.format(Locale.ROOT, "%.1f%%", 100 * firstOrder) : "0% (no progress)",
                    readable(daly), simulated(atDaly));
        }
        out.println();
        out.println("—: not simulated: a recovery takes half the time between failures or more (the run would"
                + " hardly progress), or the run passes too many intervals and failures to simulate.");
        return ExitCodes.OK;
    }

    /**
     * The simulated share of time that trains, or a dash where simulating would not end in
     * reasonable time: more than {@link #MAX_EVENTS} intervals and failures, or a recovery that
     * takes as long as the time between failures (the run would hardly progress).
     */
    private String simulated(RunAtScale run) {
        double wall = hours * 3600;
        double events = wall / run.checkpointIntervalSeconds() + wall / run.systemMtbfSeconds();
        double recovery = run.detectionSeconds() + run.relaunchSeconds() + run.checkpointPauseSeconds();
        if (events > MAX_EVENTS || recovery >= run.systemMtbfSeconds() / 2) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.1f%%", 100 * FailureSimulation.meanEfficiency(run, hours, SEEDS));
    }

    /** What the run's logged steps measured: each checkpoint's pause and write, each step's time. */
    record Measured(List<Double> pauses, List<Double> writes, List<Double> stepSeconds) {

        static Measured of(String metrics, int batchSize) throws IOException {
            ObjectMapper json = new ObjectMapper();
            List<Double> pauses = new ArrayList<>();
            List<Double> writes = new ArrayList<>();
            List<Double> steps = new ArrayList<>();
            for (String line : metrics.split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode node = json.readTree(line);
                if (node.has("samples_per_second") && node.path("samples_per_second").asDouble() > 0) {
                    steps.add(batchSize / node.path("samples_per_second").asDouble());
                }
                for (JsonNode write : node.path("checkpoints")) {
                    // Runs of before the pause was recorded have writes only.
                    if (write.has("pause_seconds") && write.path("pause_seconds").asDouble() > 0) {
                        pauses.add(write.path("pause_seconds").asDouble());
                        writes.add(write.path("seconds").asDouble());
                    }
                }
            }
            return new Measured(pauses, writes, steps);
        }
    }

    private static double stageToFirstStep(String summary) throws IOException {
        if (summary == null) {
            throw new ConfigError("RUN_DIR has no " + RunDirectory.SUMMARY + " (the run has not finished): give"
                    + " --relaunch");
        }
        JsonNode timings = new ObjectMapper().readTree(summary).path("timings");
        if (!timings.has("stage_launched") || !timings.has("first_step")) {
            throw new ConfigError("RUN_DIR's " + RunDirectory.SUMMARY + " records no start-up timings: give --relaunch");
        }
        return timings.path("first_step").asDouble() - timings.path("stage_launched").asDouble();
    }

    @SuppressWarnings("unchecked")
    private static <T> T setting(Config job, OptionKey<T> key) {
        try {
            return job.hasPath("\"" + key.name() + "\"") ? (T) key.type().read(job, "\"" + key.name() + "\"")
                    : key.defaultValue();
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigError("RUN_DIR's " + RunDirectory.JOB_CONF + ": key '" + key.name() + "': " + e.getMessage());
        }
    }

    private static Duration duration(String text, String option) {
        try {
            return (Duration) OptionType.DURATION.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigError(option + ": " + e.getMessage());
        }
    }

    private static String read(FileSystem fs, Path dir, String name) throws IOException {
        Path file = new Path(dir, name);
        if (!fs.exists(file)) {
            return null;
        }
        try (InputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }

    private static double hoursOf(Duration duration) {
        return seconds(duration) / 3600;
    }

    /** Seconds as the largest fitting unit, for example {@code 15.8 min} or {@code 2.1 h}. */
    static String readable(double seconds) {
        return seconds >= 3600 ? String.format(Locale.ROOT, "%,.1f h", seconds / 3600)
                : seconds >= 60 ? String.format(Locale.ROOT, "%.1f min", seconds / 60)
                : String.format(Locale.ROOT, "%.3g s", seconds);
    }
}
