package dev.phalanx.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.api.Phalanx;
import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.api.TrainingOptions;
import dev.phalanx.engine.api.options.TrainingKeys;
import dev.phalanx.engine.checkpoint.BoundedStoreCall;
import dev.phalanx.engine.checkpoint.CheckpointException;
import dev.phalanx.engine.data.FashionMnist;
import dev.phalanx.engine.data.FortuneCookies;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashMap;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code phalanx train}: validate the job config, start Spark, load the data, train, evaluate on
 * the test split, and write {@code summary.json}. Everything that can be checked is checked before
 * Spark starts.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model data-parallel on Spark and write a run directory.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "job config file (HOCON)")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "override a config key; repeatable")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--jars", split = ",", paramLabel = "JAR[,JAR...]", description = "jars holding your own model"
            + " (a BlockFactory class or a model family): bin/phalanx puts them on the class path, and they are shipped"
            + " to the executors (spark.jars)")
    List<String> jars = new ArrayList<>();

    @Option(names = "--force", description = "train afresh even if run_dir holds a run; the earlier run is moved"
            + " aside to <run_dir>.previous-<time>")
    boolean force;

    private final PrintStream out;
    /** When each phase of this command ended (see {@link RunSummary#timings()}). */
    private final PhaseTimes times = new PhaseTimes();

    TrainCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        times.mark("jvm_started", ManagementFactory.getRuntimeMXBean().getStartTime());
        times.mark("command", startMillis);
        JobConfig job = JobConfigLoader.load(config, overrides);
        try (UserJars userJars = UserJars.open(jars)) {
            return call(job, userJars, start, startMillis);
        }
    }

    private int call(JobConfig job, UserJars userJars, long start, long startMillis) throws IOException {
        TrainingOptions declared;
        try {
            job.data().validate(job.model());
            // Every option is checked before Spark starts; for data read through Spark the sample
            // shape is declared and the number of classes may still be inferred, so a stand-in is used.
            declared = job.toOptions(declaredInput(job.data(), job.regression())).validate();
        } catch (IllegalArgumentException e) {
            throw new ConfigError(e.getMessage());
        }
        TrainingDataLoader.check(job.data());
        // Read from now on, while Hadoop and Spark start (which leave a core idle much of the time).
        PositionalRows readAhead = TrainingDataLoader.readAhead(job.data());
        checkLocalKeyStores(job);
        RunDirectory.Leasing leasing = new RunDirectory.Leasing(declared.leaseTimeout(), "phalanx train --config "
                + config, notice -> out.println("phalanx: " + notice));
        // Held until the command ends, on every path: no second run can use the folder meanwhile.
        try (RunDirectory runDir = RunDirectory.open(job.runDir(), job.model(), new Configuration(), force, leasing)) {
            return train(job, userJars, runDir, leasing, readAhead, start, startMillis);
        }
    }

    /**
     * Trains in the leased run directory and writes its results; {@code readAhead} is what {@link
     * TrainingDataLoader#readAhead} returned.
     */
    private int train(JobConfig job, UserJars userJars, RunDirectory runDir, RunDirectory.Leasing leasing,
            PositionalRows readAhead, long start, long startMillis) throws IOException {
        List<String> changed = runDir.state() == RunDirectory.State.NEW ? List.of()
                : SettingsChanges.between(runDir.read(RunDirectory.JOB_CONF), job.rendered());
        switch (runDir.state()) {
            case FINISHED -> {
                if (!changed.isEmpty()) {
                    throw new ConfigError(runDir.uri() + " holds a finished run with other settings ("
                            + String.join(", ", changed) + "); use a new run_dir, or --force to train afresh (the"
                            + " finished run is moved aside)");
                }
                out.println("phalanx: " + runDir.uri() + " holds a finished run (" + RunDirectory.SUCCESS
                        + ") with these settings; nothing to do (--force trains afresh)");
                return ExitCodes.OK;
            }
            case RESUMING -> out.println("phalanx: continuing the unfinished run in " + runDir.uri()
                    + (changed.isEmpty() ? "" : " with changed settings: " + String.join(", ", changed)));
            case NEW -> {
                if (runDir.movedAside() != null) {
                    out.println("phalanx: moved the earlier run aside to " + runDir.movedAside());
                    if (!job.checkpointDir().isBlank()) {
                        String aside = RunDirectory.moveAsideCheckpoints(job.checkpointDir(), new Configuration(),
                                leasing);
                        if (aside != null) {
                            out.println("phalanx: moved its checkpoints aside to " + aside);
                        }
                    }
                }
            }
        }
        SparkSession.Builder session = SparkSession.builder()
                .master(job.effectiveMaster())
                .appName("phalanx train " + job.model())
                .config("spark.ui.showConsoleProgress", "false");
        if (!userJars.isEmpty()) {
            session.config("spark.jars", userJars.sparkJars(new SparkConf().get("spark.jars", "")));
        }
        // Executors do not inherit this process's environment: pass on its malloc settings and oneMKL preload.
        ExecutorEnvironment.settings(new SparkConf()::contains, System.getenv()).forEach(session::config);
        SparkSession spark = SparkStart.start(session, job.effectiveMaster(), job.get(TrainingKeys.SLOT_WAIT_TIMEOUT));
        times.mark("spark_session");
        try {
            // Recorded once Spark runs, so a folder whose job could not even start stays empty.
            if (runDir.state() == RunDirectory.State.NEW) {
                runDir.write(RunDirectory.JOB_CONF, job.rendered());
            }
            TrainingData data = TrainingDataLoader.load(spark, job.data(), job.model(), job.get(TrainingKeys.WORKERS),
                    job.regression(), readAhead);
            times.mark("data_loaded");
            TrainingOptions options;
            try {
                options = job.toOptions(data.input()).optFeaturesCol(data.featuresCol()).optLabelCol(data.labelCol())
                        .optCheckpointDir(job.checkpointDir().isBlank() ? runDir.checkpointsUri() : job.checkpointDir())
                        .validate();
            } catch (IllegalArgumentException e) {
                throw new ConfigError(e.getMessage());
            }
            out.printf(Locale.ROOT, "phalanx: training %s on %s with %d workers on %s; run directory %s%n",
                    job.model(), data.description(), options.workers(), job.effectiveMaster(), runDir.uri());
            TrainedModel model;
            ConsoleProgress progress;
            try (MetricsLog metrics = MetricsLog.open(runDir);
                    TensorBoardEvents tensorBoard = TensorBoardEvents.open(runDir, hostName(),
                            notice -> out.println("phalanx: " + notice))) {
                progress = new ConsoleProgress(out, options.epochs(), metrics, tensorBoard);
                // Built-in data sets are read by the workers from their files: no Spark job to count and shuffle them.
                model = data.positionalTrain() != null
                        ? Phalanx.fit(spark, data.positionalTrain(), options, progress)
                        : Phalanx.fit(data.train(), data.validation(), options, progress);
            }
            model.keptValidation().ifPresent(kept -> out.printf(Locale.ROOT,
                    "%s the parameters of epoch %d (step %d), the best by validation %s (%.6g)%n",
                    model.stoppedEarly() ? "early stopping: stopped after step " + model.steps() + "; kept"
                            : "early stopping: kept", kept.epoch(), kept.step(),
                    options.earlyStopping().metric(), kept.evaluation().metric(options.earlyStopping().metric())));
            Double testAccuracy = null;
            Double testMse = null;
            Long testSamples = null;
            Map<String, Double> testMetrics = null;
            if (data.test() != null) {
                // On the executors, data parallel; the row count comes with the metrics.
                Evaluation test = data.test().evaluate(model, options.topK());
                testSamples = test.count();
                testMetrics = new LinkedHashMap<>(test.metrics());
                if (model.objective().classifies()) {
                    testAccuracy = test.accuracy();
                    testMetrics.put("weighted_precision", test.weightedPrecision());
                    testMetrics.put("weighted_recall", test.weightedRecall());
                    out.printf(Locale.ROOT, "test accuracy %.2f%% on %d samples (macro F1 %.4f)%n", 100 * testAccuracy,
                            testSamples, test.macroF1());
                } else {
                    testMse = test.meanSquaredError();
                    out.printf(Locale.ROOT, "test mean squared error %.6g on %d samples (R2 %.4f)%n", testMse, testSamples,
                            test.r2());
                }
            } else {
                out.println("no test data (set test_data to evaluate)");
            }
            model.phaseTimes().forEach(times::mark);
            times.mark("evaluated");
            exportModel(model, runDir, options);
            times.mark("exported");
            EpochMetrics last = model.history().get(model.history().size() - 1);
            RunSummary summary = new RunSummary(job.model(), job.effectiveMaster(), options.workers(),
                    options.epochs(), model.steps(), options.batchSize(), options.learningRate(), options.seed(),
                    last.loss(), last.accuracy(),
                    data.description(), testAccuracy, testMse, testSamples, testMetrics, model.samplesPerSecond(),
                    model.trainSeconds(),
                    (model.firstStepEpochMillis() - startMillis) / 1e3, (System.nanoTime() - start) / 1e9,
                    model.history(), RunSummary.validations(model.validations()),
                    model.keptValidation().map(Validation::epoch).orElse(null),
                    model.keptValidation().map(Validation::step).orElse(null), model.stoppedEarly(),
                    times.secondsAfter(commandStartMillis()), progress.lastTimings(), progress.stragglerIntervals());
            out.println(startupLine(summary.timings()));
            String summaryJson = json().writeValueAsString(summary);
            bounded("committing the run's results to", runDir.uri(), options, () -> {
                if (!changed.isEmpty()) {
                    // The settings this run trained with, for whoever continues or inspects it.
                    runDir.write(RunDirectory.JOB_CONF, job.rendered());
                }
                runDir.write(RunDirectory.SUMMARY, summaryJson);
                writeReport(runDir);
                runDir.write(RunDirectory.SUCCESS, "");
                return null;
            });
            out.println("wrote " + runDir.uri() + "/" + RunDirectory.SUMMARY + " and " + RunReport.PAGE);
            return ExitCodes.OK;
        } catch (Exception e) {
            // Scala's SparkException is checked in Java's eyes but undeclared, hence Exception here.
            if (spark.sparkContext().isStopped()) {
                throw SparkStart.stopped(job.effectiveMaster(), e);
            }
            throw e;
        } finally {
            spark.stop();
        }
    }

    /**
     * Returns when the command started: as {@code bin/phalanx} records it (property {@code
     * phalanx.started.millis}), else when the JVM started.
     */
    private static long commandStartMillis() {
        String started = System.getProperty("phalanx.started.millis", "");
        try {
            return Long.parseLong(started);
        } catch (NumberFormatException e) {
            return ManagementFactory.getRuntimeMXBean().getStartTime();
        }
    }

    /**
     * Returns one line saying when the first step began and how long each phase before it took, for
     * example {@code start-up: first step at 9.1 s (JVM 0.3 s, Spark 3.0 s, …)}.
     */
    static String startupLine(Map<String, Double> timings) {
        String[][] phases = {{"jvm_started", "JVM"}, {"spark_session", "Spark"}, {"data_loaded", "data"},
            {"sharded", "sharding"}, {"stage_launched", "checks"}, {"shard_filled", "shards"},
            {"connected", "rendezvous"}, {"model_built", "model"}, {"first_step", "first step"}};
        StringBuilder line = new StringBuilder();
        double previous = 0;
        for (String[] phase : phases) {
            Double at = timings.get(phase[0]);
            if (at == null) {
                continue;
            }
            line.append(line.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%s %.1f s", phase[1],
                    at - previous));
            previous = at;
        }
        Double first = timings.get("first_step");
        return String.format(Locale.ROOT, "start-up: first step at %.1f s (%s)", first == null ? Double.NaN : first,
                line);
    }

    /**
     * Saves the model under run_dir/model (through a local folder: DJL writes local files): in DJL's
     * format, or a model trained from a TorchScript file as TorchScript, {@code <name>.pt}.
     */
    private void exportModel(TrainedModel model, RunDirectory runDir, TrainingOptions options) throws IOException {
        Path local = Files.createTempDirectory("phalanx-model");
        try {
            if (model.isTorchScript()) {
                try (OutputStream file = Files.newOutputStream(local.resolve(model.artifactName() + ".pt"))) {
                    model.exportTorchScript(file);
                }
            } else {
                model.saveDjl(local);
            }
            bounded("copying the model to", runDir.uri() + "/model", options, () -> {
                runDir.copyIn(local, "model");
                return null;
            });
        } finally {
            try (var files = Files.list(local)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.delete(file);
                }
            }
            Files.delete(local);
        }
        out.println("saved the model in " + (model.isTorchScript() ? "TorchScript" : "DJL format") + " to "
                + runDir.uri() + "/model");
    }

    /**
     * Runs a call to the run directory's file system within {@code checkpoint_timeout} ({@link
     * BoundedStoreCall}): past it, a {@code CheckpointException} naming the operation, the path and
     * the option; an I/O error stays the I/O error it was.
     */
    private static <T> T bounded(String operation, String path, TrainingOptions options, Callable<T> call)
            throws IOException {
        try {
            return BoundedStoreCall.run(operation, path, options.checkpointTimeout(), call);
        } catch (CheckpointException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
    }

    /**
     * In local mode the executors are this process, so key stores it cannot read would fail every
     * worker, on every attempt: refuse them now, naming the key. On a cluster they live on the
     * executors' machines, where the workers check them.
     */
    private static void checkLocalKeyStores(JobConfig job) {
        if (job.tls() == null || !job.effectiveMaster().startsWith("local")) {
            return;
        }
        String trustKey = job.tls().trustStore().equals(job.tls().keyStore()) ? "tls_key_store" : "tls_trust_store";
        for (String[] store : new String[][] {{"tls_key_store", job.tls().keyStore()}, {trustKey, job.tls().trustStore()}}) {
            if (!Files.isReadable(Path.of(store[1]))) {
                throw new ConfigError("key '" + store[0] + "': cannot read the key store '" + store[1] + "'");
            }
        }
    }

    /** The sample shape and classes the config declares (two classes stand in for ones still to infer). */
    private static InputSpec declaredInput(DataSource data, boolean regression) {
        return switch (data.dataset()) {
            case "fortunes" -> new InputSpec(new long[] {data.sequenceLength()}, FortuneCookies.CATEGORIES.size());
            case "parquet", "table" -> {
                try {
                    yield new InputSpec(Arrays.stream(data.sampleShape()).asLongStream().toArray(),
                            data.numClasses() > 0 ? data.numClasses() : regression ? 1 : 2);
                } catch (IllegalArgumentException e) {
                    throw new ConfigError("key 'sample_shape': " + e.getMessage());
                }
            }
            default -> new InputSpec(new long[] {1, FashionMnist.SIDE, FashionMnist.SIDE}, FashionMnist.CLASSES);
        };
    }

    /**
     * Writes the run's report.html; a report that cannot be drawn is a notice, not a failed run (the
     * results are written already and {@code phalanx report} draws it again).
     */
    private void writeReport(RunDirectory runDir) {
        try {
            runDir.writeReport();
        } catch (IOException | RuntimeException | LinkageError e) {
            out.println("phalanx: " + RunReport.PAGE + " was not written (" + e + "); run: phalanx report "
                    + runDir.uri());
        }
    }

    /** This machine's name, for the TensorBoard event file's name. */
    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "localhost";
        }
    }

    private static ObjectMapper json() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT);
    }
}
