package dev.phalanx.launcher;

import dev.phalanx.models.ModelCatalog;

/**
 * Where a job's data comes from, as the config's data keys say.
 *
 * @param dataset {@code fashion-mnist}, {@code fortunes}, {@code parquet} or {@code table}
 * @param dataDir the Debian package's directory, or the Parquet training data's URI
 * @param table the training table's name (dataset {@code table})
 * @param testData the Parquet test data's URI or the test table's name; empty for none
 * @param validationData the Parquet validation data's URI or the validation table's name; empty for none
 * @param featuresCol the features column (parquet, table)
 * @param labelCol the label column (parquet, table)
 * @param sampleShape the shape of one sample (parquet, table)
 * @param numClasses the number of classes, 0 to infer (parquet, table)
 * @param imageMean per-channel mean of encoded images, empty for 0 (parquet, table)
 * @param imageStd per-channel standard deviation of encoded images, empty for 1 (parquet, table)
 * @param sequenceLength token ids per sample (fortunes)
 */
public record DataSource(String dataset, String dataDir, String table, String testData, String validationData,
        String featuresCol,
        String labelCol, int[] sampleShape, int numClasses, double[] imageMean, double[] imageStd, int sequenceLength) {

    /** The data sets {@code dataset} may name. */
    static final String KNOWN = "fashion-mnist, fortunes, parquet, table";

    /**
     * Checks the keys this data set needs, and that {@code model} reads what it gives, before
     * Spark starts.
     *
     * @throws ConfigError naming the key
     */
    void validate(String model) {
        boolean tokens = ModelCatalog.inputDomain(model).isTokens();
        require(!tokens || !dataset.equals("fashion-mnist"), "model",
                "'" + model + "' reads token ids; dataset = fashion-mnist gives images");
        require(tokens || !dataset.equals("fortunes"), "model",
                "'" + model + "' does not read token ids, which dataset = fortunes gives; use transformer(vocab_size=...)");
        boolean frames = dataset.equals("parquet") || dataset.equals("table");
        require(frames || validationData.isBlank(), "validation_data",
                "applies to dataset = parquet or table; with " + dataset + " use validation_fraction");
        switch (dataset) {
            case "fashion-mnist" -> { }
            case "fortunes" -> require(sequenceLength >= 1, "sequence_length", "must be at least 1, got " + sequenceLength);
            case "parquet", "table" -> {
                if (dataset.equals("table")) {
                    require(!table.isBlank(), "table", "must name the training table when dataset = table");
                }
                require(sampleShape.length > 0, "sample_shape",
                        "must be set when dataset = " + dataset + ", for example [784] or [1, 28, 28]");
                require(numClasses >= 0, "num_classes", "must not be negative, got " + numClasses);
            }
            default -> throw new ConfigError("key 'dataset': unknown data set '" + dataset + "'; known: " + KNOWN);
        }
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new ConfigError("key '" + key + "' " + problem);
        }
    }
}
