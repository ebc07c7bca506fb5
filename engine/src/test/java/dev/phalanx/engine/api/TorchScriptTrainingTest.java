package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.MiniHdfs;
import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network written in PyTorch, saved as TorchScript by Debian's python3-torch 1.13
 * ({@code src/test/python/torchscript_golden.py}), trained through {@code Phalanx.fit} on real
 * Spark: its first losses are PyTorch's own (golden.json) on the same samples, two workers end
 * where one does, an interrupted run resumes exactly, the file may sit on HDFS, and the trained
 * module goes back to PyTorch as TorchScript.
 */
class TorchScriptTrainingTest {

    private static final Path RESOURCES = Path.of("src", "test", "resources", "torchscript").toAbsolutePath();
    private static final InputSpec INPUT = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final int BATCH = 8;
    private static final int STEPS = 5;

    @TempDir
    Path temp;

    private static String spec(String file) {
        return "torchscript(path=\"" + file + "\")";
    }

    private static TrainingOptions options(String file, int workers, int epochs) {
        return new TrainingOptions(spec(file), INPUT).optWorkers(workers).optBatchSize(BATCH).optEpochs(epochs)
                .optLearningRate(0.1).optMomentum(0).optShuffle(false).optLogEverySteps(1);
    }

    private static String smallNet() {
        return RESOURCES.resolve("small_net.pt").toUri().toString();
    }

    @Test
    void theFirstStepsGivePyTorchsLossesAndTwoWorkersEndWhereOneDoes() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(RESOURCES.resolve("golden.json").toFile());
        List<Double> losses = new ArrayList<>();
        TrainedModel one = Phalanx.fit(samples(BATCH * STEPS), options(smallNet(), 1, 1), new ProgressListener() {
            @Override
            public void onEpoch(EpochMetrics metrics) {}

            @Override
            public void onStep(StepMetrics metrics) {
                losses.add(metrics.loss());
            }
        });
        assertEquals(STEPS, losses.size(), losses.toString());
        double worst = 0;
        for (int step = 0; step < STEPS; step++) {
            worst = Math.max(worst, Math.abs(losses.get(step) - golden.get("losses").get(step).asDouble()));
        }
        System.out.printf("torchscript: Phalanx losses %s, PyTorch %s, max difference %.3g%n", losses,
                golden.get("losses"), worst);
        assertTrue(worst <= 1e-4, "losses " + losses + " vs PyTorch's " + golden.get("losses"));

        // The same file from HDFS, on two workers of four samples each.
        String onHdfs = MiniHdfs.uri() + "/models/" + temp.getFileName() + "/small_net.pt";
        FileSystem hdfs = FileSystem.get(java.net.URI.create(onHdfs), MiniHdfs.configuration());
        hdfs.copyFromLocalFile(new org.apache.hadoop.fs.Path(RESOURCES.resolve("small_net.pt").toString()),
                new org.apache.hadoop.fs.Path(onHdfs));
        TrainedModel two = Phalanx.fit(samples(BATCH * STEPS), options(onHdfs, 2, 1));
        assertEquals(one.parameters().length, two.parameters().length);
        double maxRelative = 0;
        for (int i = 0; i < one.parameters().length; i++) {
            double scale = Math.max(Math.abs(one.parameters()[i]), 1e-3);
            maxRelative = Math.max(maxRelative, Math.abs(one.parameters()[i] - two.parameters()[i]) / scale);
        }
        assertTrue(maxRelative <= 1e-4, "W=2 differs from W=1 by " + maxRelative + " (relative)");
    }

    @Test
    void anInterruptedRunResumesExactly() {
        Dataset<Row> data = samples(BATCH * STEPS);
        String clean = temp.resolve("clean").toUri().toString();
        String broken = temp.resolve("broken").toUri().toString();
        TrainedModel uninterrupted = Phalanx.fit(data, options(smallNet(), 2, 3).optCheckpointDir(clean)
                .optCheckpointEverySteps(4));
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(data, options(smallNet(), 2, 3)
                .optCheckpointDir(broken).optCheckpointEverySteps(4).optMaxAttempts(1)
                .optFaultInjection(new FaultInjection(1, 11))));
        List<String> events = new ArrayList<>();
        TrainedModel resumed = Phalanx.fit(data, options(smallNet(), 2, 3).optCheckpointDir(broken)
                .optCheckpointEverySteps(4), new ProgressListener() {
                    @Override
                    public void onEpoch(EpochMetrics metrics) {}

                    @Override
                    public void onEvent(String event) {
                        events.add(event);
                    }
                });
        assertEquals(List.of("resuming from checkpoint ckpt-000000000008 (step 8, epoch 2)"), events);
        assertArrayEquals(uninterrupted.parameters(), resumed.parameters());
    }

    @Test
    void theTrainedModuleGoesBackToPyTorch() throws Exception {
        TrainedModel trained = Phalanx.fit(samples(BATCH * STEPS), options(smallNet(), 2, 2));
        assertTrue(trained.isTorchScript());
        Path exported = temp.resolve("trained.pt");
        try (OutputStream out = Files.newOutputStream(exported)) {
            trained.exportTorchScript(out);
        }
        // What Java computes with the trained parameters, for samples the training did not see.
        float[] input = features(100, 4);
        float[] expected;
        try (ModelReplica replica = ModelReplica.withParameters(ModelSpec.parse(spec(smallNet())), INPUT,
                trained.parameters())) {
            expected = replica.logits(FloatBuffer.wrap(input), 4);
        }
        // The exported file, loaded afresh as the model of another run, computes the same.
        try (ModelReplica reloaded = ModelReplica.initialised(ModelSpec.parse(spec(exported.toUri().toString())), INPUT,
                0)) {
            assertArrayEquals(expected, reloaded.logits(FloatBuffer.wrap(input), 4), 1e-6f);
        }
        String python = pythonWithTorch();
        Assumptions.assumeTrue(python != null, "no python3 with torch (apt-get install python3-torch)");
        Path expectation = temp.resolve("expected.json");
        StringBuilder json = new StringBuilder("{\"input_shape\": [4, 1, 28, 28], \"tolerance\": 1e-5, \"input\": [");
        for (int i = 0; i < input.length; i++) {
            json.append(i == 0 ? "" : ",").append(input[i]);
        }
        json.append("], \"outputs\": [");
        for (int i = 0; i < expected.length; i++) {
            json.append(i == 0 ? "" : ",").append(expected[i]);
        }
        Files.writeString(expectation, json.append("]}").toString());
        Process check = new ProcessBuilder(python, "src/test/python/torchscript_check_export.py", exported.toString(),
                expectation.toString()).redirectErrorStream(true).start();
        assertTrue(check.waitFor(2, TimeUnit.MINUTES), "the Python check did not finish");
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.print("torchscript export: " + said);
        assertEquals(0, check.exitValue(), said);
    }

    @Test
    void aMissingBrokenOrMisfittingFileIsNamedBeforeTraining() throws IOException {
        Dataset<Row> data = samples(BATCH * 2);
        Path missing = temp.resolve("missing.pt");
        assertEquals("model 'torchscript': " + missing.toUri() + " does not exist",
                failure(data, options(missing.toUri().toString(), 2, 1)));
        Path text = Files.writeString(temp.resolve("net.pt"), "not a module");
        String notTorchScript = failure(data, options(text.toUri().toString(), 2, 1));
        assertTrue(notTorchScript.startsWith(text.toUri().toString() + " "), notTorchScript);
        String wrongOutputs = failure(data, options(RESOURCES.resolve("wrong_output_net.pt").toUri().toString(), 2, 1));
        assertTrue(wrongOutputs.startsWith(RESOURCES.resolve("wrong_output_net.pt").toUri().toString()), wrongOutputs);
        assertTrue(wrongOutputs.contains("(2, 7)"), wrongOutputs);
        assertEquals("model 'torchscript': set the TorchScript file: torchscript(path=\"hdfs://…/net.pt\")",
                assertThrows(IllegalArgumentException.class, () -> new TrainingOptions("torchscript", INPUT).validate())
                        .getMessage());
        System.out.println("torchscript refusals:\n  " + notTorchScript + "\n  " + wrongOutputs);
    }

    private static String failure(Dataset<Row> data, TrainingOptions options) {
        return assertThrows(IllegalArgumentException.class, () -> Phalanx.fit(data, options)).getMessage();
    }

    /** The samples torchscript_golden.py trains on: sample n's values from a fixed formula, class (7 n + 3) mod 10. */
    private static Dataset<Row> samples(int count) {
        List<Row> rows = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            float[] x = features(n, 1);
            Float[] boxed = new Float[x.length];
            for (int j = 0; j < x.length; j++) {
                boxed[j] = x[j];
            }
            rows.add(RowFactory.create(boxed, (7 * n + 3) % 10));
        }
        StructType schema = new StructType()
                .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
        return SparkTestSession.get().createDataFrame(rows, schema).coalesce(1);
    }

    /** The values of samples {@code first …}, as torchscript_golden.py's samples() computes them. */
    private static float[] features(int first, int count) {
        float[] values = new float[count * 784];
        for (int s = 0; s < count; s++) {
            for (int j = 0; j < 784; j++) {
                long i = (long) (first + s) * 784 + j;
                values[s * 784 + j] = (float) (((i * 7919 + 13) % 1009) / 1009.0 - 0.5);
            }
        }
        return values;
    }

    /** The first of $PHALANX_PYTHON, python3 and /usr/bin/python3 that imports torch, or null. */
    private static String pythonWithTorch() throws InterruptedException {
        List<String> candidates = new ArrayList<>();
        if (System.getenv("PHALANX_PYTHON") != null) {
            candidates.add(System.getenv("PHALANX_PYTHON"));
        }
        candidates.add("python3");
        candidates.add("/usr/bin/python3");
        for (String python : candidates) {
            try {
                Process probe = new ProcessBuilder(python, "-c", "import torch").redirectErrorStream(true).start();
                probe.getInputStream().readAllBytes();
                if (probe.waitFor(1, TimeUnit.MINUTES) && probe.exitValue() == 0) {
                    return python;
                }
            } catch (IOException e) {
                // not installed: try the next
            }
        }
        return null;
    }
}
