package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.api.ml.PhalanxClassificationModel;
import dev.phalanx.engine.api.ml.PhalanxClassifier;
import dev.phalanx.engine.api.ml.PhalanxRegressionModel;
import dev.phalanx.engine.api.ml.PhalanxRegressor;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.BlockFactory;
import dev.phalanx.models.InputSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network of the user's own ({@link UserNets}) through every entry point of the engine — {@code
 * Phalanx.fit} with an instance and with a {@code class:} name, the classifier and the new
 * regressor — with the invariants the built-in networks keep: W=2 matches W=1, an interrupted run
 * resumes exactly, and a saved model scores as the trained one. Real local Spark, real DJL.
 */
class UserModelTrainingTest {

    private static final int GLOBAL_BATCH = 16;
    private static final InputSpec INPUT = new InputSpec(new long[] {20}, 4);
    private static final Dataset<Row> DATA = SyntheticData.classification(GLOBAL_BATCH * 8, 20, 4, 3);
    private static final String TANH = "class:" + UserNets.TanhNet.class.getName();

    @TempDir
    Path temp;

    private static TrainingOptions options(TrainingOptions options, int workers) {
        return options.optWorkers(workers).optBatchSize(GLOBAL_BATCH).optEpochs(2).optLearningRate(0.1).optSeed(5)
                .optShuffle(false);
    }

    @Test
    void aFactoryTrainsTheSameOnTwoWorkersAsOnOneAndAsItsClassName() {
        TrainedModel one = Phalanx.fit(DATA, options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 1));
        TrainedModel two = Phalanx.fit(DATA, options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 2));
        TrainedModel named = Phalanx.fit(DATA, options(new TrainingOptions(TANH, INPUT), 2));
        assertEquals(TANH, two.modelName());
        assertEquals("TanhNet", two.artifactName());
        assertEquals(20 * 24 + 24 + 24 * 4 + 4, two.parameters().length);
        assertArrayEquals(two.parameters(), named.parameters(), "an instance and its class name train alike");
        double maxRelative = 0;
        for (int i = 0; i < one.parameters().length; i++) {
            double scale = Math.max(Math.abs(one.parameters()[i]), 1e-3);
            maxRelative = Math.max(maxRelative, Math.abs(one.parameters()[i] - two.parameters()[i]) / scale);
        }
        assertTrue(maxRelative <= 1e-4, "W=2 differs from W=1 by " + maxRelative + " (relative)");
        double accuracy = two.accuracy(DATA, "features", "label");
        assertTrue(accuracy > 0.6, "training accuracy " + accuracy);
    }

    @Test
    void anInterruptedRunOfAFactoryResumesExactly() {
        String clean = temp.resolve("clean").toUri().toString();
        String broken = temp.resolve("broken").toUri().toString();
        TrainedModel uninterrupted = Phalanx.fit(DATA, options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 2)
                .optCheckpointDir(clean).optCheckpointEverySteps(5));
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(DATA,
                options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 2).optCheckpointDir(broken)
                        .optCheckpointEverySteps(5).optMaxAttempts(1).optFaultInjection(new FaultInjection(1, 13))));
        List<String> events = new ArrayList<>();
        TrainedModel resumed = Phalanx.fit(DATA, options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 2)
                .optCheckpointDir(broken).optCheckpointEverySteps(5), new ProgressListener() {
                    @Override
                    public void onEpoch(EpochMetrics metrics) {}

                    @Override
                    public void onEvent(String event) {
                        events.add(event);
                    }
                });
        assertEquals(List.of("resuming from checkpoint ckpt-000000000010 (step 10, epoch 2)"), events);
        assertArrayEquals(uninterrupted.parameters(), resumed.parameters());
    }

    @Test
    void theClassifierTrainsAFactoryAndItsSavedModelScoresAlike() throws IOException {
        PhalanxClassificationModel model = new PhalanxClassifier().setModel(new UserNets.TanhNet())
                .setWorkers(2).setBatchSize(GLOBAL_BATCH).setEpochs(2).setLearningRate(0.1).setSeed(5).setShuffle(false)
                .fit(DATA);
        assertEquals(TANH, model.getModelName());
        List<Row> scored = model.transform(DATA).select("prediction").collectAsList();
        String path = temp.resolve("classifier").toUri().toString();
        model.write().save(path);
        PhalanxClassificationModel loaded = PhalanxClassificationModel.load(path);
        assertEquals(TANH, loaded.modelSpec().text());
        assertEquals(scored, loaded.transform(DATA).select("prediction").collectAsList());
        TrainedModel direct = Phalanx.fit(DATA, options(new TrainingOptions(new UserNets.TanhNet(), INPUT), 2));
        assertArrayEquals(direct.parameters(), model.parameters(), "the estimator trains as Phalanx.fit does");
    }

    @Test
    void theRegressorLearnsARealTargetWithAFactoryAndSavesIt() throws IOException {
        Dataset<Row> data = SyntheticData.regression(1024, 20, 8, -1);
        PhalanxRegressionModel model = new PhalanxRegressor().setModel(new UserNets.TanhNet()).setLabelCol("target")
                .setWorkers(2).setBatchSize(32).setEpochs(8).setLearningRate(0.02).setSeed(2).fit(data);
        double first = model.history().get(0).loss();
        double last = model.history().get(7).loss();
        assertTrue(last < 0.1 * first, "mse did not fall: " + model.history());
        List<Row> rows = model.transform(data).select("prediction", "target").collectAsList();
        double squared = 0;
        for (Row row : rows) {
            squared += Math.pow(row.getDouble(0) - row.getDouble(1), 2);
        }
        // The target's variance is 0.44 (see RegressionTest): the network must explain nearly all of it.
        assertTrue(squared / rows.size() < 0.03, "scored mean squared error " + squared / rows.size());
        String path = temp.resolve("regressor").toUri().toString();
        model.write().save(path);
        assertEquals(rows, PhalanxRegressionModel.load(path).transform(data).select("prediction", "target")
                .collectAsList());
    }

    @Test
    void aFactoryThatCannotTrainIsNamedBeforeTheBarrierStage() {
        assertEquals("model 'class:" + UserNets.NoParameters.class.getName() + "' has no trainable parameters",
                preflight(new UserNets.NoParameters()));
        assertEquals("model 'class:" + UserNets.WrongOutputs.class.getName() + "' maps one sample shaped (1, 20) to"
                + " [(1, 5)]; expected one output (1, 4) (one value per class, num_classes = 4)",
                preflight(new UserNets.WrongOutputs()));
        String failing = preflight(new UserNets.FailsOnThisInput());
        assertTrue(failing.startsWith("model 'class:" + UserNets.FailsOnThisInput.class.getName() + "': ")
                && failing.contains("java.lang.IllegalStateException: this layer needs a GPU"), failing);
        assertEquals("model 'class:com.acme.Missing': class com.acme.Missing is not on the class path (add its jar"
                + " with --jars, spark.jars or the application jar)", assertThrows(IllegalArgumentException.class,
                        () -> Phalanx.fit(DATA, new TrainingOptions("class:com.acme.Missing", INPUT))).getMessage());
    }

    private static String preflight(BlockFactory factory) {
        return assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(DATA, options(new TrainingOptions(factory, INPUT), 2))).getMessage();
    }
}
