package dev.phalanx.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import org.junit.jupiter.api.Test;

/** Each catalog model builds for its input and maps a batch to one logit per class (real PyTorch). */
class ModelCatalogTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    @Test
    void everyModelMapsABatchOfImagesToOneLogitPerClass() {
        for (ModelDefinition model : ModelCatalog.all().values()) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Block block = model.build(IMAGES);
                block.initialize(manager, DataType.FLOAT32, IMAGES.batchShape(1));
                Shape out = block.getOutputShapes(new Shape[] {IMAGES.batchShape(5)})[0];
                assertEquals(new Shape(5, 10), out, model.name());
            }
        }
    }

    @Test
    void theMlpHasThePeerScriptsLayerSizes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelCatalog.byName("mlp").build(IMAGES);
            block.initialize(manager, DataType.FLOAT32, IMAGES.batchShape(1));
            long count = block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(784L * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, count);
        }
    }

    @Test
    void unknownNamesAndUnfitInputsAreExplained() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> ModelCatalog.byName("vgg"));
        assertEquals("unknown model 'vgg'; known models: mlp, cnn", unknown.getMessage());
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.byName("cnn").build(new InputSpec(new long[] {784}, 10)));
        assertTrue(flat.getMessage().startsWith("model 'cnn' needs image samples shaped [channels, height, width]"));
    }
}
