package dev.phalanx.launcher;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.Validation;
import java.util.List;
import java.util.Map;

/**
 * The content of {@code summary.json}; written with snake_case keys for pipelines to read.
 *
 * @param model model name
 * @param master the Spark master used
 * @param worldSize number of workers
 * @param epochs epochs trained
 * @param steps optimizer steps taken
 * @param batchSize global batch size
 * @param learningRate learning rate
 * @param seed seed
 * @param finalLoss mean training loss of the last epoch
 * @param finalTrainAccuracy training accuracy of the last epoch
 * @param dataset the data set trained on
 * @param testAccuracy accuracy on the test data, or null when the job has none or is a regression
 * @param testMeanSquaredError mean squared error on the test data, or null unless the job is a regression with test data
 * @param testSamples number of test samples, or null when the job has none
 * @param testMetrics the test metrics by name (classification: loss, accuracy, top_k_accuracy with
 *     more than top_k classes, macro_f1, weighted_f1, weighted_precision, weighted_recall;
 *     regression: loss, mse, rmse, mae, r2), or null without test data
 * @param samplesPerSecond training samples per second, all workers together
 * @param trainSeconds wall time of the training loop
 * @param firstStepSeconds time from the command's start to the first training step of the attempt
 *     that finished: reading the config, starting Spark, loading and sharding the data, the workers'
 *     rendezvous and building the model
 * @param wallSeconds wall time of the whole command
 * @param history per-epoch metrics
 * @param validation every validation taken, in order (empty without validation data)
 * @param keptEpoch with early stopping, the epoch of the validation whose parameters the model holds;
 *     null otherwise
 * @param keptStep with early stopping, the step of that validation; null otherwise
 * @param stoppedEarly whether early stopping ended training before its last epoch
 * @param timings when each phase ended, in seconds after the command started ({@code bin/phalanx}'s
 *     start, else the JVM's), in order: {@code jvm_started}, {@code command}, {@code spark_session},
 *     {@code data_loaded}, {@code fit}, {@code sharded}, {@code model_checked}, {@code
 *     stage_launched}, rank 0's {@code shard_filled}, {@code connected}, {@code model_built}, {@code
 *     first_step} (its start), {@code training_done}, then {@code trained}, {@code evaluated},
 *     {@code exported}
 * @param rankTimings the last logged interval's timing of every rank: the slowest rank, its host,
 *     its data, compute and wait time per step, the median rank's busy time, the step time's median
 *     and 99th percentile; null when no step was logged
 * @param stragglerIntervals how many logged intervals found a straggler
 */
public record RunSummary(
        String model,
        String master,
        int worldSize,
        int epochs,
        long steps,
        int batchSize,
        double learningRate,
        long seed,
        double finalLoss,
        double finalTrainAccuracy,
        String dataset,
        Double testAccuracy,
        Double testMeanSquaredError,
        Long testSamples,
        Map<String, Double> testMetrics,
        double samplesPerSecond,
        double trainSeconds,
        double firstStepSeconds,
        double wallSeconds,
        List<EpochMetrics> history,
        List<ValidationLine> validation,
        Integer keptEpoch,
        Long keptStep,
        boolean stoppedEarly,
        Map<String, Double> timings,
        RankTimings rankTimings,
        int stragglerIntervals) {

    /**
     * One validation in {@code summary.json}.
     *
     * @param epoch the epoch it was taken in
     * @param step the steps done when it was taken
     * @param rows the validation rows evaluated
     * @param metrics the metrics by name, as {@link dev.phalanx.engine.job.Evaluation#metrics()} gives them
     */
    public record ValidationLine(int epoch, long step, long rows, Map<String, Double> metrics) {}

    /** Returns the summary lines of {@code validations}. */
    static List<ValidationLine> validations(List<Validation> validations) {
        return validations.stream().map(v -> new ValidationLine(v.epoch(), v.step(), v.evaluation().count(),
                v.evaluation().metrics())).toList();
    }
}
