package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.model.ParameterLayout;
import dev.phalanx.engine.model.PretrainedParameters;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning: {@code init_from} starts a run from another run's checkpoint, its saved DJL model or
 * a TorchScript file's values, and {@code freeze} keeps parameters as they start. Freezing every
 * parameter shows the start exactly: the run must end with the source's values. Real Spark, DJL.
 */
class InitFromTest {

    private static final InputSpec INPUT = new InputSpec(new long[] {20}, 4);
    private static final Dataset<Row> DATA = SyntheticData.classification(16 * 8, 20, 4, 3);
    private static final String MLP = "mlp(hidden=16)";

    @TempDir
    Path temp;

    private static TrainingOptions options(String model) {
        return new TrainingOptions(model, INPUT).optWorkers(2).optBatchSize(16).optEpochs(1).optLearningRate(0.1)
                .optSeed(9);
    }

    private static List<String> names(String model, InputSpec input) {
        return ModelReplica.parameterLayout(ModelSpec.parse(model), input).names();
    }

    @Test
    void aRunStartsFromAnotherRunsCheckpointRunDirectoryOrSavedModel() throws IOException {
        String checkpoints = temp.resolve("source/checkpoints").toUri().toString();
        TrainedModel source = Phalanx.fit(DATA, options(MLP).optSeed(1).optCheckpointDir(checkpoints));
        source.saveDjl(Files.createDirectories(temp.resolve("source/model")));
        String[] everything = names(MLP, INPUT).toArray(new String[0]);
        for (String from : List.of(checkpoints, temp.resolve("source").toUri().toString(),
                temp.resolve("source/model/mlp-0000.params").toUri().toString())) {
            TrainedModel frozen = Phalanx.fit(DATA, options(MLP).optInitFrom(from).optFreeze(everything));
            assertArrayEquals(source.parameters(), frozen.parameters(), "started from " + from);
        }
        // Frozen in part: the first layer keeps the source's values, the rest trains on.
        List<String> names = names(MLP, INPUT);
        TrainedModel tuned = Phalanx.fit(DATA, options(MLP).optInitFrom(checkpoints)
                .optFreeze(names.get(0), names.get(1)));
        int firstLayer = 16 * 20 + 16;
        for (int i = 0; i < source.parameters().length; i++) {
            if (i < firstLayer) {
                assertEquals(source.parameters()[i], tuned.parameters()[i], "frozen value " + i);
            }
        }
        boolean moved = false;
        for (int i = firstLayer; i < source.parameters().length; i++) {
            moved |= source.parameters()[i] != tuned.parameters()[i];
        }
        assertTrue(moved, "the layers not frozen must train");
    }

    @Test
    void aTorchScriptFilesValuesStartADjlNetworkOfTheSameShapes() {
        Path file = Path.of("src", "test", "resources", "torchscript", "small_net.pt").toAbsolutePath();
        InputSpec images = new InputSpec(new long[] {1, 28, 28}, 10);
        ModelSpec tanh = ModelSpec.of(new UserNets.TanhNet(), Map.of("hidden", 16));
        ParameterLayout layout = ModelReplica.parameterLayout(tanh, images);
        TrainedModel frozen = Phalanx.fit(SyntheticData.classification(64, 784, 10, 4),
                new TrainingOptions(tanh, images).optWorkers(2).optBatchSize(16).optEpochs(1)
                        .optInitFrom(file.toUri().toString()).optFreeze(layout.names().toArray(new String[0])));
        PretrainedParameters.Values torch;
        try {
            torch = PretrainedParameters.fromTorchScript(file.toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"), torch.layout().names());
        assertArrayEquals(torch.values(), frozen.parameters());
    }

    @Test
    void aSourceThatDoesNotFitOrAnUnknownPrefixIsNamed() {
        String checkpoints = temp.resolve("small/checkpoints").toUri().toString();
        Phalanx.fit(DATA, options(MLP).optCheckpointDir(checkpoints));
        List<String> wide = names("mlp(hidden=32)", INPUT);
        String misfit = assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(DATA, options("mlp(hidden=32)").optInitFrom(checkpoints))).getMessage();
        assertTrue(misfit.startsWith("init_from: " + checkpoints + " (checkpoint ckpt-000000000008) does not fit model"
                + " 'mlp': 5 parameter(s) differ in shape: " + wide.get(0) + " is (16, 20) there, (32, 20) here; "
                + wide.get(1) + " is (16) there, (32) here;"), misfit);
        String missing = temp.resolve("nowhere").toUri().toString();
        assertEquals("init_from: " + missing + " does not exist", assertThrows(IllegalArgumentException.class,
                () -> Phalanx.fit(DATA, options(MLP).optInitFrom(missing))).getMessage());
        assertEquals("freeze: 'stem.' is the start of no parameter's name; the model's parameters: "
                + String.join(", ", names(MLP, INPUT)), assertThrows(IllegalArgumentException.class,
                        () -> Phalanx.fit(DATA, options(MLP).optFreeze("stem."))).getMessage());
    }
}
