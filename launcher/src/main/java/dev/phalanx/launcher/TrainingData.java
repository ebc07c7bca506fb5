package dev.phalanx.launcher;

import dev.phalanx.engine.api.TrainedModel;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * A job's data once loaded: training rows, optional validation and test rows, what one sample looks like, and
 * which columns hold the features and labels.
 *
 * @param train the training rows, or null when {@code positionalTrain} holds them
 * @param positionalTrain the training rows as the workers read them straight from their files (a
 *     built-in data set), or null
 * @param validation the validation rows ({@code validation_data}), or null
 * @param test evaluates a model on the test rows once training is done, or null when the job evaluates none
 * @param input the sample shape and number of classes
 * @param featuresCol the features column
 * @param labelCol the label column
 * @param description a few words for the console, for example "Fashion-MNIST"
 */
record TrainingData(Dataset<Row> train, PositionalRows positionalTrain, Dataset<Row> validation, TestRows test,
        InputSpec input, String featuresCol, String labelCol, String description) {

    /** Evaluates a trained model on the test rows, which are read only then, after training. */
    @FunctionalInterface
    interface TestRows {
        /**
         * Evaluates {@code model} on the executors, counting top-{@code topK} accuracy.
         *
         * @throws IOException when the test rows' files cannot be read
         */
        Evaluation evaluate(TrainedModel model, int topK) throws IOException;
    }
}
