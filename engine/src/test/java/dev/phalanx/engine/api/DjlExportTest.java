package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.phalanx.engine.SyntheticData;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trained model, saved in DJL's format, loads back with DJL's own Model.load. */
class DjlExportTest {

    @TempDir
    Path dir;

    @Test
    void aSavedModelLoadsWithDjlWithTheTrainedParameters() throws Exception {
        InputSpec input = new InputSpec(new long[] {20}, 4);
        TrainedModel trained = Phalanx.fit(SyntheticData.classification(256, 20, 4, 2),
                new TrainingOptions("mlp", input).optBatchSize(32).optSeed(3));
        trained.saveDjl(dir);
        assertTrue(Files.exists(dir.resolve("mlp-0000.params")));

        float[] expected = trained.parameters();
        try (Model model = Model.newInstance("mlp")) {
            model.setBlock(ModelCatalog.build("mlp", input));
            model.load(dir);
            float[] loaded = new float[expected.length];
            int offset = 0;
            for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
                NDArray array = parameter.getValue().getArray();
                float[] values = array.toFloatArray();
                System.arraycopy(values, 0, loaded, offset, values.length);
                offset += values.length;
            }
            assertArrayEquals(expected, loaded);
        }
    }
}
