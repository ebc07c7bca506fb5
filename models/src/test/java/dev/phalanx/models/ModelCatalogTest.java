package dev.phalanx.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each catalog model builds for its input and maps a batch to one logit per class (real PyTorch). */
class ModelCatalogTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final InputSpec COLOUR = new InputSpec(new long[] {3, 32, 32}, 10);
    private static final InputSpec TOKENS = new InputSpec(new long[] {12}, 3);

    private static final Map<String, InputSpec> EXAMPLES = Map.of(
            "mlp", IMAGES, "cnn(batch_norm=true, dropout=0.25)", IMAGES, "resnet(width=8)", IMAGES,
            "resnet(width=4, depth=34)", COLOUR, "transformer(vocab_size=50, embedding_size=16, heads=2)", TOKENS);

    @Test
    void everyModelMapsABatchToOneLogitPerClass() {
        assertEquals(ModelCatalog.all().size(),
                EXAMPLES.keySet().stream().map(spec -> ModelSpec.parse(spec).name()).distinct().count(),
                "every catalog model has an example here");
        for (Map.Entry<String, InputSpec> example : EXAMPLES.entrySet()) {
            InputSpec input = example.getValue();
            try (NDManager manager = NDManager.newBaseManager()) {
                Block block = ModelCatalog.build(example.getKey(), input);
                block.initialize(manager, DataType.FLOAT32, input.batchShape(1));
                // Token ids 1..9, the last two positions padding.
                NDArray x = input.sampleShape().length == 1
                        ? manager.randomInteger(1, 10, input.batchShape(5), DataType.INT32).toType(DataType.FLOAT32, false)
                                .concat(manager.zeros(new Shape(5, 2)), 1).get(":, :12")
                        : manager.randomUniform(0, 1, input.batchShape(5));
                NDArray logits = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
                assertEquals(new Shape(5, input.numClasses()), logits.getShape(), example.getKey());
                assertFalse(logits.isNaN().any().getBoolean(), example.getKey());
            }
        }
    }

    @Test
    void theMlpHasThePeerScriptsLayerSizes() {
        assertEquals(784L * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, trainableParameters("mlp", IMAGES));
        // The GPU check's big MLP, 784-4096-4096-10, sets its second layer apart.
        assertEquals(784L * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10,
                trainableParameters("mlp(hidden=4096, hidden2=4096)", IMAGES));
    }

    @Test
    void theResnetIsResNet18AdaptedToSmallImages() {
        // The usual CIFAR-10 ResNet-18 (3x3 stem, basic blocks 2-2-2-2, 64 to 512 filters) has 11,173,962.
        assertEquals(11_173_962L, trainableParameters("resnet", COLOUR));
    }

    @Test
    void optionsAreTypedAndDefaulted() {
        ModelSpec spec = ModelSpec.parse(" transformer( layers = 4, vocab_size=1000 ) ");
        assertEquals("transformer", spec.name());
        assertEquals(4, spec.intValue("layers"));
        assertEquals(1000, spec.intValue("vocab_size"));
        assertEquals(64, spec.intValue("embedding_size"));
        assertEquals(FeatureDomain.tokens(1000), ModelCatalog.inputDomain("transformer(vocab_size=1000)"));
        assertEquals(FeatureDomain.real(), ModelCatalog.inputDomain("cnn"));
        assertTrue(ModelSpec.parse("cnn(batch_norm=TRUE)").booleanValue("batch_norm"));
    }

    @Test
    void unknownNamesOptionsAndBadValuesAreExplained() {
        assertEquals("model 'vgg' is unknown; known models: mlp, cnn, resnet, transformer, or class:<your"
                + " BlockFactory class>", assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("vgg"))
                        .getMessage());
        assertEquals("model 'resnt' is unknown; did you mean 'resnet'? known models: mlp, cnn, resnet, transformer,"
                + " or class:<your BlockFactory class>", assertThrows(IllegalArgumentException.class,
                        () -> ModelSpec.parse("resnt(depth=34)")).getMessage());
        assertEquals("model 'resnet' has no option 'layers'; its options: depth, width",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("resnet(layers=18)")).getMessage());
        assertEquals("model 'resnet' option 'depth' is 'eighteen'; expected a whole number",
                assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("resnet(depth=eighteen)")).getMessage());
        assertEquals("model 'resnet': depth must be 18 or 34, got 50",
                assertThrows(IllegalArgumentException.class, () -> ModelCatalog.build("resnet(depth=50)", COLOUR))
                        .getMessage());
        assertEquals("model 'transformer': heads (3) must divide embedding_size (64)",
                assertThrows(IllegalArgumentException.class, () -> ModelCatalog.build("transformer(heads=3)", TOKENS))
                        .getMessage());
        IllegalArgumentException flat = assertThrows(IllegalArgumentException.class,
                () -> ModelCatalog.build("cnn", new InputSpec(new long[] {784}, 10)));
        assertTrue(flat.getMessage().startsWith("model 'cnn' needs image samples shaped [channels, height, width]"));
    }

    private static long trainableParameters(String spec, InputSpec input) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelCatalog.build(spec, input);
            block.initialize(manager, DataType.FLOAT32, input.batchShape(1));
            return block.getParameters().values().stream().filter(Parameter::requiresGradient)
                    .mapToLong(p -> p.getArray().size()).sum();
        }
    }
}
