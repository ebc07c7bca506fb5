package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job command on data from real Spark sources: Parquet files, tables created with {@code
 * saveAsTable} and read by name, and the fortune-cookie text corpus Debian's {@code fortunes}
 * installs; and the errors for a source that is missing or a model that cannot read it.
 */
class DataSourcesIT {

    @TempDir
    Path dir;

    @Test
    void trainsOnParquetFilesAndEvaluatesOnTheTestFiles() throws IOException {
        try (SparkSession spark = session()) {
            numbers(spark, 2048, 1).write().parquet(dir.resolve("train.parquet").toString());
            numbers(spark, 512, 2).write().parquet(dir.resolve("test.parquet").toString());
        }
        Run run = cli("--set", "dataset=parquet", "--set", "data_dir=" + dir.resolve("train.parquet").toUri(),
                "--set", "test_data=" + dir.resolve("test.parquet").toUri(), "--set", "sample_shape=8");
        assertEquals(ExitCodes.OK, run.code, run.output);
        JsonNode summary = run.summary();
        assertTrue(summary.get("dataset").asText().startsWith("Parquet "), summary.toString());
        assertEquals(512, summary.get("test_samples").asInt());
        assertTrue(summary.get("test_accuracy").asDouble() > 0.8, summary.toString());
    }

    @Test
    void validatesEveryEpochOnTheValidationFilesAndKeepsTheBestEpoch() throws IOException {
        try (SparkSession spark = session()) {
            numbers(spark, 1024, 3).write().parquet(dir.resolve("train-v.parquet").toString());
            numbers(spark, 256, 4).write().parquet(dir.resolve("validation-v.parquet").toString());
        }
        Run run = cli("--set", "dataset=parquet", "--set", "data_dir=" + dir.resolve("train-v.parquet").toUri(),
                "--set", "validation_data=" + dir.resolve("validation-v.parquet").toUri(), "--set", "sample_shape=8",
                "--set", "epochs=4", "--set", "early_stopping_patience=1", "--set", "early_stopping_metric=accuracy");
        assertEquals(ExitCodes.OK, run.code, run.output);
        assertTrue(run.output.contains("epoch 1/4  validation  loss "), run.output);
        JsonNode summary = run.summary();
        JsonNode validation = summary.get("validation");
        assertTrue(validation.size() >= 2 && validation.size() <= 4, summary.toString());
        assertEquals(256, validation.get(0).get("rows").asInt());
        assertTrue(validation.get(0).get("metrics").has("macro_f1"), summary.toString());
        // The kept epoch is the first with the best validation accuracy.
        double best = -1;
        int bestEpoch = 0;
        for (JsonNode line : validation) {
            if (line.get("metrics").get("accuracy").asDouble() > best) {
                best = line.get("metrics").get("accuracy").asDouble();
                bestEpoch = line.get("epoch").asInt();
            }
        }
        assertEquals(bestEpoch, summary.get("kept_epoch").asInt(), summary.toString());
        assertTrue(run.output.contains("the parameters of epoch " + bestEpoch + " "), run.output);
        assertEquals(summary.get("stopped_early").asBoolean(), validation.size() < 4, summary.toString());
        List<String> lines = Files.readAllLines(run.runDir.resolve("metrics.jsonl"));
        assertEquals(validation.size(), lines.stream().filter(l -> l.contains("\"type\":\"validation\"")).count());
    }

    @Test
    void trainsARegressionOnParquetFiles() throws IOException {
        try (SparkSession spark = session()) {
            for (String[] split : new String[][] {{"train-reg.parquet", "2048", "5"}, {"test-reg.parquet", "512", "6"}}) {
                numbers(spark, Integer.parseInt(split[1]), Long.parseLong(split[2]))
                        .withColumn("target", functions.expr("2 * features[0] - features[1] + 0.5 * features[2]"))
                        .write().parquet(dir.resolve(split[0]).toString());
            }
        }
        Run run = cli("--set", "dataset=parquet", "--set", "data_dir=" + dir.resolve("train-reg.parquet").toUri(),
                "--set", "test_data=" + dir.resolve("test-reg.parquet").toUri(), "--set", "sample_shape=8",
                "--set", "label_col=target", "--set", "loss=mse",
                "--set", "learning_rate=0.01");
        assertEquals(ExitCodes.OK, run.code, run.output);
        JsonNode summary = run.summary();
        assertTrue(summary.get("test_accuracy").isNull(), summary.toString());
        // The target's variance is about 0.44; a fitted model leaves a small fraction of it.
        assertTrue(summary.get("test_mean_squared_error").asDouble() < 0.05, summary.toString());
        assertTrue(run.output.contains("test mean squared error"), run.output);
        JsonNode metrics = summary.get("test_metrics");
        assertEquals(summary.get("test_mean_squared_error").asDouble(), metrics.get("mse").asDouble());
        assertTrue(metrics.get("r2").asDouble() > 0.8, metrics.toString());
    }

    @Test
    void trainsOnATableCreatedWithSaveAsTableReadByName() throws IOException {
        SparkSession spark = session();
        VectorAssembler assembler = new VectorAssembler().setOutputCol("vec").setInputCols(new String[] {
            "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"});
        for (String[] table : new String[][] {{"phalanx_train", "2048", "3"}, {"phalanx_test", "512", "4"}}) {
            Dataset<Row> columns = numbers(spark, Integer.parseInt(table[1]), Integer.parseInt(table[2]));
            for (int i = 0; i < 8; i++) {
                columns = columns.withColumn("f" + i, functions.col("features").getItem(i));
            }
            assembler.transform(columns).select(functions.col("vec"), functions.col("label").cast("double").as("y"))
                    .write().saveAsTable(table[0]);
        }
        // The command reuses this session (and its catalog), as it would inside a scheduled Spark job.
        Run run = cli("--set", "dataset=table", "--set", "table=phalanx_train", "--set", "test_data=phalanx_test",
                "--set", "features_col=vec", "--set", "label_col=y", "--set", "sample_shape=[8]");
        assertEquals(ExitCodes.OK, run.code, run.output);
        JsonNode summary = run.summary();
        assertEquals("table phalanx_train", summary.get("dataset").asText());
        assertTrue(summary.get("test_accuracy").asDouble() > 0.8, summary.toString());
    }

    @Test
    void trainsTheTransformerOnTheFortuneCookieCorpus() throws IOException {
        Run run = new Run(dir.resolve("fortunes-run"), "../conf/fortunes-transformer.conf");
        assertEquals(ExitCodes.OK, run.code, run.output);
        JsonNode summary = run.summary();
        JsonNode history = summary.get("history");
        assertTrue(history.get(history.size() - 1).get("loss").asDouble() < 0.5 * history.get(0).get("loss").asDouble(),
                summary.toString());
        // The largest of the four files holds about 41% of the cookies: the model must beat guessing it.
        assertTrue(summary.get("test_accuracy").asDouble() > 0.5, summary.toString());
    }

    @Test
    void aMissingSourceOrAModelThatCannotReadItIsNamedBeforeTraining() throws IOException {
        Run noShape = cli("--set", "dataset=parquet", "--set", "data_dir=" + dir.resolve("none").toUri());
        assertEquals(ExitCodes.BAD_CONFIG, noShape.code, noShape.output);
        assertTrue(noShape.errors.contains("key 'sample_shape' must be set when dataset = parquet"), noShape.errors);
        Run noFiles = cli("--set", "dataset=parquet", "--set", "sample_shape=8",
                "--set", "data_dir=" + dir.resolve("none").toUri());
        assertEquals(ExitCodes.BAD_DATA, noFiles.code, noFiles.output);
        assertTrue(noFiles.errors.contains("data_dir '" + dir.resolve("none").toUri() + "' not found"), noFiles.errors);
        assertFalse(Files.exists(noFiles.runDir), "no run directory for a job that cannot start");
        session();
        Run noTable = cli("--set", "dataset=table", "--set", "table=no_such_table", "--set", "sample_shape=8");
        assertEquals(ExitCodes.BAD_DATA, noTable.code, noTable.output);
        assertTrue(noTable.errors.contains("table 'no_such_table': no such table in Spark's catalog"), noTable.errors);
        Run wrongModel = cli("--set", "dataset=fortunes", "--set", "data_dir=/usr/share/games/fortunes");
        assertEquals(ExitCodes.BAD_CONFIG, wrongModel.code, wrongModel.output);
        assertTrue(wrongModel.errors.contains("'mlp' does not read token ids"), wrongModel.errors);
    }

    /** A local session like the command's, with its warehouse in the test folder. */
    private SparkSession session() {
        return SparkSession.builder().master("local[2]").appName("data-sources")
                .config("spark.ui.enabled", "false")
                .config("spark.barrier.sync.timeout", "300s")
                .config("spark.sql.warehouse.dir", dir.resolve("warehouse").toString())
                .getOrCreate();
    }

    /** Rows of 8 numbers in [0, 1) whose label is the index of the largest of the first 4. */
    private static Dataset<Row> numbers(SparkSession spark, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> data = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            Double[] features = new Double[8];
            int best = 0;
            for (int i = 0; i < 8; i++) {
                features[i] = random.nextDouble();
                best = i < 4 && features[i] > features[best] ? i : best;
            }
            data.add(RowFactory.create(features, best));
        }
        StructType schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType), false)
                .add("label", DataTypes.IntegerType, false);
        return spark.createDataFrame(data, schema);
    }

    private Run cli(String... overrides) {
        List<String> args = new ArrayList<>(List.of("--set", "epochs=8", "--set", "batch_size=32",
                "--set", "learning_rate=0.1"));
        args.addAll(List.of(overrides));
        return new Run(dir.resolve("run-" + System.nanoTime()), "../conf/fashion-mnist-mlp.conf",
                args.toArray(new String[0]));
    }

    /** One run of {@code phalanx train} in this JVM. */
    private static final class Run {
        final Path runDir;
        final int code;
        final String output;
        final String errors;

        Run(Path runDir, String config, String... overrides) {
            this.runDir = runDir;
            List<String> args = new ArrayList<>(List.of("train", "--config", config, "--set", "run_dir=" + runDir));
            args.addAll(List.of(overrides));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            code = PhalanxCli.run(args.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            errors = err.toString(StandardCharsets.UTF_8);
            output = out.toString(StandardCharsets.UTF_8) + errors;
            System.out.print(output);
        }

        JsonNode summary() throws IOException {
            return new ObjectMapper().readTree(Files.readString(runDir.resolve("summary.json")));
        }
    }
}
