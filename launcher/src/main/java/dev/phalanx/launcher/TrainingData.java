package dev.phalanx.launcher;

import dev.phalanx.models.InputSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A job's data once loaded: training rows, optional validation and test rows, what one sample looks like, and
 * which columns hold the features and labels.
 *
 * @param train the training rows
 * @param validation the validation rows ({@code validation_data}), or null
 * @param test the test rows, or null when the job evaluates none
 * @param input the sample shape and number of classes
 * @param featuresCol the features column
 * @param labelCol the label column
 * @param description a few words for the console, for example "Fashion-MNIST"
 */
record TrainingData(Dataset<Row> train, Dataset<Row> validation, Dataset<Row> test, InputSpec input, String featuresCol, String labelCol,
        String description) {}
