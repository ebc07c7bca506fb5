package dev.phalanx.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own networks: a {@link BlockFactory} named {@code class:…} or passed as an instance,
 * and a model family registered through {@link java.util.ServiceLoader} from a folder added to the
 * class path, as a jar would be (real PyTorch for the forward pass).
 */
class UserModelsTest {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    /** A user's network: flatten, one hidden layer of {@code hidden} units (default 32), logits. */
    public static final class TwoLayerNet implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            int hidden = options.intValue("hidden", 32);
            options.require(hidden > 0, "hidden must be positive, got " + hidden);
            return new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(hidden).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(input.numClasses()).build());
        }
    }

    /** Not a factory. */
    public static final class NotAFactory {}

    /** A factory without a no-argument constructor. */
    public static final class NeedsArguments implements BlockFactory {
        private static final long serialVersionUID = 1L;
        private final int hidden;

        public NeedsArguments(int hidden) {
            this.hidden = hidden;
        }

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return Linear.builder().setUnits(hidden).build();
        }
    }

    /** A factory whose constructor fails. */
    public static final class FailsToConstruct implements BlockFactory {
        private static final long serialVersionUID = 1L;

        public FailsToConstruct() {
            throw new IllegalStateException("no licence for this network");
        }

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return null;
        }
    }

    /** A factory that builds nothing. */
    public static final class BuildsNull implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return null;
        }
    }

    /** A model family of a user's jar: a linear classifier with a typed option. */
    public static final class LinearFamily implements ModelDefinition {
        @Override
        public String name() {
            return "linear";
        }

        @Override
        public String description() {
            return "flatten, then one linear layer";
        }

        @Override
        public List<ModelOption> options() {
            return List.of(ModelOption.flag("bias", true, "whether the layer adds a bias"));
        }

        @Override
        public Block build(InputSpec input, ModelSpec spec) {
            return new SequentialBlock().add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(input.numClasses()).optBias(spec.booleanValue("bias")).build());
        }
    }

    /** A second family that takes a built-in name. */
    public static final class ClashingFamily implements ModelDefinition {
        @Override
        public String name() {
            return "mlp";
        }

        @Override
        public String description() {
            return "clashes with the built-in mlp";
        }

        @Override
        public Block build(InputSpec input, ModelSpec spec) {
            return Linear.builder().setUnits(input.numClasses()).build();
        }
    }

    @Test
    void aFactoryNamedByClassBuildsWithItsOptions() {
        ModelSpec spec = ModelSpec.parse("class:" + TwoLayerNet.class.getName() + "(hidden=48, note=\"a, b\")");
        assertEquals("class:" + TwoLayerNet.class.getName(), spec.name());
        assertEquals(48, spec.intValue("hidden"));
        assertEquals("a, b", spec.stringValue("note"));
        assertEquals(List.of(48L * 784, 48L, 48L * 10, 10L), parameterSizes(spec));
        assertEquals(spec, ModelSpec.parse(spec.text()), spec.text());
        assertEquals(32, ModelSpec.parse("class:" + TwoLayerNet.class.getName()).intValue("hidden", 32));
        assertEquals(new Shape(2, 10), forward(spec, 2));
    }

    @Test
    void undeclaredOptionsAreTypedByHowTheyAreWritten() {
        ModelSpec spec = ModelSpec.parse("class:" + TwoLayerNet.class.getName()
                + "(a=3, b=4000000000, c=0.5, d=TRUE, e=hello, f=\"7\")");
        assertEquals(3, spec.intValue("a"));
        assertEquals(4_000_000_000L, spec.values().get("b"));
        assertEquals(0.5, spec.doubleValue("c"));
        assertTrue(spec.booleanValue("d"));
        assertEquals("hello", spec.stringValue("e"));
        assertEquals("7", spec.values().get("f"), "a quoted number stays text");
        assertEquals(spec, ModelSpec.parse(spec.text()), spec.text());
        assertEquals("model 'class:" + TwoLayerNet.class.getName() + "' option 'e' is 'hello'; expected a whole number",
                assertThrows(IllegalArgumentException.class, () -> spec.intValue("e")).getMessage());
    }

    @Test
    void aFactoryInstanceTravelsWithItsSpec() throws Exception {
        TwoLayerNet net = new TwoLayerNet();
        ModelSpec spec = ModelSpec.of(net, Map.of("hidden", 16));
        assertEquals("class:" + TwoLayerNet.class.getName() + "(hidden=16)", spec.text());
        assertSame(net, ((FactoryModel) spec.definition()).factory());
        ModelSpec copy = roundTrip(spec);
        assertEquals(spec, copy);
        assertEquals(new Shape(3, 10), forward(copy, 3));
        assertEquals(7, spec.withOptions(Map.of("hidden", 7)).intValue("hidden"));
        assertEquals(16, spec.withOptions(Map.of()).intValue("hidden"));
        assertEquals("model 'class:" + TwoLayerNet.class.getName() + "': hidden must be positive, got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> ModelCatalog.build(spec.withOptions(Map.of("hidden", 0)), IMAGES)).getMessage());
    }

    @Test
    void modelOptionsOfAConfigAreCheckedLikeWrittenOnes() {
        ModelSpec spec = ModelSpec.parse("resnet").withOptions(Map.of("width", 8, "depth", "34"));
        assertEquals("resnet(depth=34, width=8)", spec.text());
        assertEquals("model 'resnet' has no option 'layers'; its options: depth, width",
                assertThrows(IllegalArgumentException.class,
                        () -> ModelSpec.parse("resnet").withOptions(Map.of("layers", 3))).getMessage());
        assertEquals("model 'resnet' option 'width' is 'wide'; expected a whole number",
                assertThrows(IllegalArgumentException.class,
                        () -> ModelSpec.parse("resnet").withOptions(Map.of("width", "wide"))).getMessage());
    }

    @Test
    void badFactoryClassesAreNamedWithTheCause() {
        String prefix = "model 'class:";
        assertEquals(prefix + "com.acme.Missing': class com.acme.Missing is not on the class path (add its jar with"
                + " --jars, spark.jars or the application jar)", failure("class:com.acme.Missing"));
        assertEquals(prefix + NotAFactory.class.getName() + "': class " + NotAFactory.class.getName()
                + " does not implement dev.phalanx.models.BlockFactory", failure("class:" + NotAFactory.class.getName()));
        assertEquals(prefix + BlockFactory.class.getName() + "': class " + BlockFactory.class.getName()
                + " is abstract", failure("class:" + BlockFactory.class.getName()));
        assertEquals(prefix + NeedsArguments.class.getName() + "': class " + NeedsArguments.class.getName()
                + " has no public no-argument constructor", failure("class:" + NeedsArguments.class.getName()));
        assertEquals(prefix + FailsToConstruct.class.getName() + "': the constructor of "
                + FailsToConstruct.class.getName() + " failed: java.lang.IllegalStateException: no licence for this"
                + " network", failure("class:" + FailsToConstruct.class.getName()));
        assertEquals(prefix + BuildsNull.class.getName() + "': " + BuildsNull.class.getName() + ".build returned null",
                assertThrows(IllegalArgumentException.class,
                        () -> ModelCatalog.build("class:" + BuildsNull.class.getName(), IMAGES)).getMessage());
        assertEquals("model 'class:': no class named after 'class:'", failure("class:"));
    }

    @Test
    void aFamilyFromTheClassPathIsUsableByNameWithTypedOptions(@TempDir Path jar) throws Exception {
        ClassLoader withFamily = classPathWith(jar, LinearFamily.class);
        inContext(withFamily, () -> {
            assertEquals(List.of("mlp", "cnn", "resnet", "transformer", "linear"), List.copyOf(ModelCatalog.all().keySet()));
            ModelSpec spec = ModelSpec.parse("linear(bias=false)");
            assertEquals(new Shape(4, 10), forward(spec, 4));
            assertEquals(List.of(7840L), parameterSizes(spec));
            assertEquals("model 'linear' option 'bias' is 'maybe'; expected true or false",
                    assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("linear(bias=maybe)")).getMessage());
            assertEquals("model 'linea' is unknown; did you mean 'linear'? known models: mlp, cnn, resnet, transformer,"
                    + " linear, or class:<your BlockFactory class>", failure("linea"));
            return null;
        });
        assertEquals(List.of("mlp", "cnn", "resnet", "transformer"), List.copyOf(ModelCatalog.all().keySet()),
                "a class loader's families are its own");
    }

    @Test
    void aFamilyTakingABuiltInNameIsRefused(@TempDir Path jar) throws Exception {
        ClassLoader clashing = classPathWith(jar, ClashingFamily.class);
        IllegalStateException clash = assertThrows(IllegalStateException.class,
                () -> inContext(clashing, ModelCatalog::all));
        assertEquals("model 'mlp' is registered twice, by dev.phalanx.models.Mlp and " + ClashingFamily.class.getName(),
                clash.getMessage());
    }

    private static String failure(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse(spec)).getMessage();
    }

    /** A class loader whose class path adds a folder registering {@code family}, as a jar would. */
    private static ClassLoader classPathWith(Path folder, Class<? extends ModelDefinition> family) throws IOException {
        Path services = folder.resolve("META-INF/services");
        Files.createDirectories(services);
        Files.writeString(services.resolve(ModelDefinition.class.getName()), "# a user's family\n" + family.getName() + "\n");
        return new URLClassLoader(new URL[] {folder.toUri().toURL()}, UserModelsTest.class.getClassLoader());
    }

    private static <T> T inContext(ClassLoader loader, Callable<T> body) throws Exception {
        Thread thread = Thread.currentThread();
        ClassLoader before = thread.getContextClassLoader();
        thread.setContextClassLoader(loader);
        try {
            return body.call();
        } finally {
            thread.setContextClassLoader(before);
        }
    }

    private static List<Long> parameterSizes(ModelSpec spec) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelCatalog.build(spec, IMAGES);
            block.initialize(manager, DataType.FLOAT32, IMAGES.batchShape(1));
            return block.getParameters().values().stream().map(p -> p.getArray().size()).toList();
        }
    }

    private static Shape forward(ModelSpec spec, int batch) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block block = ModelCatalog.build(spec, IMAGES);
            block.initialize(manager, DataType.FLOAT32, IMAGES.batchShape(1));
            NDList out = block.forward(new ParameterStore(manager, false),
                    new NDList(manager.ones(IMAGES.batchShape(batch))), false);
            return out.singletonOrThrow().getShape();
        }
    }

    private static ModelSpec roundTrip(ModelSpec spec) throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(spec);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (ModelSpec) in.readObject();
        }
    }
}
