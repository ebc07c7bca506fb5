package dev.phalanx.launcher;

import dev.phalanx.engine.data.FashionMnist;
import dev.phalanx.engine.data.FingerprintedRows;
import dev.phalanx.engine.data.FortuneCookies;
import dev.phalanx.engine.data.LabelCount;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.model.PyTorchEngine;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Loads a job's data from the source its config names: the two Debian data sets built in, Parquet
 * files at any Hadoop URI, or a table in Spark's catalog read by name.
 */
final class TrainingDataLoader {

    private TrainingDataLoader() {}

    /**
     * Checks, before Spark starts, that the data the config names exists where that can be checked
     * without Spark (a table can only be looked up once Spark runs), and that Fashion-MNIST's files
     * are whole and agree (see {@link FashionMnist#check}).
     *
     * @throws IOException naming the key and the missing path, or a file that cannot be read
     * @throws dev.phalanx.engine.data.InvalidDataException naming a Fashion-MNIST file that is
     *     truncated, not gzip, of another format, or disagrees with its companion file
     */
    static void check(DataSource data) throws IOException {
        switch (data.dataset()) {
            case "fashion-mnist", "fortunes" -> {
                if (!Files.isDirectory(Path.of(data.dataDir()))) {
                    throw new IOException("data_dir '" + data.dataDir() + "' not found; install Debian's "
                            + (data.dataset().equals("fortunes") ? "fortunes" : "dataset-fashion-mnist")
                            + " or set data_dir");
                }
                if (data.dataset().equals("fashion-mnist")) {
                    for (FashionMnist.Split split : FashionMnist.Split.values()) {
                        FashionMnist.check(Path.of(data.dataDir()), split);
                    }
                }
            }
            case "parquet" -> {
                String[][] keyed = {{"data_dir", data.dataDir()}, {"test_data", data.testData()},
                    {"validation_data", data.validationData()}};
                for (String[] key : keyed) {
                    if (key[1].isBlank()) {
                        continue;
                    }
                    org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(key[1]);
                    if (!path.getFileSystem(new Configuration()).exists(path)) {
                        throw new IOException(key[0] + " '" + key[1] + "' not found");
                    }
                }
            }
            default -> { }
        }
    }

    /**
     * Returns the training rows of a built-in data set the workers can read straight from its files
     * (Fashion-MNIST), their fingerprint being computed from now on, while Spark starts; null for
     * other data.
     *
     * @throws IOException naming a file that is missing or cannot be read
     */
    static PositionalRows readAhead(DataSource data) throws IOException {
        if (!data.dataset().equals("fashion-mnist")) {
            return null;
        }
        FingerprintedRows rows = FingerprintedRows.start(
                FashionMnist.positional(Path.of(data.dataDir()), FashionMnist.Split.TRAIN));
        // Then PyTorch's native libraries, which Phalanx.fit loads first: still while Spark starts.
        rows.then(PyTorchEngine::get);
        return rows;
    }

    /**
     * Loads the training and test data.
     *
     * @param model the model spec (a text model's vocabulary size bounds the corpus vocabulary)
     * @param partitions how many partitions the built-in data sets are read into
     * @param regression whether labels are regression targets (one output, no classes to infer)
     * @param readAhead what {@link #readAhead} returned: the built-in data set's training rows
     *     then train from the files, without a DataFrame
     * @throws IOException when a file or table is missing
     */
    static TrainingData load(SparkSession spark, DataSource data, String model, int partitions, boolean regression,
            PositionalRows readAhead) throws IOException {
        return switch (data.dataset()) {
            case "fashion-mnist" -> {
                Path dir = Path.of(data.dataDir());
                yield new TrainingData(readAhead != null ? null
                        : FashionMnist.load(spark, dir, FashionMnist.Split.TRAIN, partitions), readAhead, null,
                        testFiles(spark, dir, partitions),
                        new InputSpec(new long[] {1, FashionMnist.SIDE, FashionMnist.SIDE}, FashionMnist.CLASSES),
                        "features", "label", "Fashion-MNIST");
            }
            case "fortunes" -> {
                // The corpus vocabulary is cut to the model's, so every id fits its embedding.
                int vocabulary = ModelCatalog.inputDomain(model).vocabulary();
                FortuneCookies.Corpus corpus = FortuneCookies.load(spark, Path.of(data.dataDir()),
                        FortuneCookies.CATEGORIES, vocabulary);
                yield new TrainingData(corpus.train(), null, null, frameTest(corpus.test(), "features", "label"),
                        new InputSpec(new long[] {data.sequenceLength()}, FortuneCookies.CATEGORIES.size()),
                        "features", "label", "fortune cookies " + FortuneCookies.CATEGORIES + ", "
                                + corpus.vocabularySize() + " token ids");
            }
            case "parquet" -> fromFrames(data, regression, parquet(spark, data.dataDir(), "data_dir"),
                    data.validationData().isBlank() ? null : parquet(spark, data.validationData(), "validation_data"),
                    data.testData().isBlank() ? null : parquet(spark, data.testData(), "test_data"),
                    "Parquet " + data.dataDir());
            case "table" -> fromFrames(data, regression, table(spark, data.table(), "table"),
                    data.validationData().isBlank() ? null : table(spark, data.validationData(), "validation_data"),
                    data.testData().isBlank() ? null : table(spark, data.testData(), "test_data"), "table " + data.table());
            default -> throw new ConfigError("key 'dataset': unknown data set '" + data.dataset() + "'; known: "
                    + DataSource.KNOWN);
        };
    }

    /** Fashion-MNIST's test split, scored by the executors straight from its files, in {@code partitions} tasks. */
    private static TrainingData.TestRows testFiles(SparkSession spark, Path dir, int partitions) {
        return (model, topK) -> model.evaluate(spark, FashionMnist.positional(dir, FashionMnist.Split.TEST),
                partitions, topK);
    }

    /** Test rows of a DataFrame. */
    private static TrainingData.TestRows frameTest(Dataset<Row> test, String featuresCol, String labelCol) {
        return (model, topK) -> model.evaluate(test, featuresCol, labelCol, topK);
    }

    private static TrainingData fromFrames(DataSource data, boolean regression, Dataset<Row> train,
            Dataset<Row> validation, Dataset<Row> test, String description) {
        int classes = data.numClasses() > 0 ? data.numClasses()
                : regression ? 1 : LabelCount.infer(train, data.labelCol());
        return new TrainingData(train, null, validation,
                test == null ? null : frameTest(test, data.featuresCol(), data.labelCol()), new InputSpec(Arrays.stream(data.sampleShape()).asLongStream().toArray(),
                classes), data.featuresCol(), data.labelCol(), description);
    }

    /** Reads Parquet files; files Spark cannot read as Parquet are a data error naming {@code key}. */
    private static Dataset<Row> parquet(SparkSession spark, String uri, String key) throws IOException {
        try {
            return spark.read().parquet(uri);
        } catch (Exception e) {
            // Spark's AnalysisException and SparkException are checked in Java's eyes but undeclared.
            String reason = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new IOException(key + " '" + uri + "' cannot be read as Parquet files: " + reason, e);
        }
    }

    private static Dataset<Row> table(SparkSession spark, String name, String key) throws IOException {
        if (!spark.catalog().tableExists(name)) {
            throw new IOException(key + " '" + name + "': no such table in Spark's catalog");
        }
        return spark.table(name);
    }
}
