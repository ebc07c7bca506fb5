package dev.phalanx.models;

import ai.djl.nn.Block;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;

/**
 * A user's {@link BlockFactory} seen as a catalog model named {@code class:<name>}, which takes any
 * option (the factory reads them with its own defaults).
 */
final class FactoryModel implements ModelDefinition {

    /** The prefix of a model named by its factory class, as in {@code class:com.acme.nets.MyNet}. */
    static final String PREFIX = "class:";

    private final String name;
    private final BlockFactory factory;

    FactoryModel(String name, BlockFactory factory) {
        this.name = name;
        this.factory = factory;
    }

    /** Wraps an instance the caller already has. */
    static FactoryModel of(BlockFactory factory) {
        return new FactoryModel(PREFIX + factory.name(), factory);
    }

    /**
     * Loads the factory class a {@code class:} name gives, through the thread's context class
     * loader (on an executor: the one that holds the application's jars) and makes one with its
     * public no-argument constructor.
     *
     * @throws IllegalArgumentException naming the class and what is wrong with it
     */
    static FactoryModel load(String name) {
        String className = name.substring(PREFIX.length()).trim();
        String model = "model '" + name + "': ";
        if (className.isEmpty()) {
            throw new IllegalArgumentException(model + "no class named after 'class:'");
        }
        Class<?> type;
        try {
            type = Class.forName(className, true, ModelCatalog.classLoader());
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new IllegalArgumentException(model + "class " + className + " is not on the class path"
                    + " (add its jar with --jars, spark.jars or the application jar)"
                    + (e instanceof NoClassDefFoundError ? "; a class it needs is missing: " + e.getMessage() : ""));
        } catch (LinkageError e) {
            throw new IllegalArgumentException(model + "class " + className + " cannot be loaded: " + e);
        }
        if (!BlockFactory.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException(model + "class " + className + " does not implement "
                    + BlockFactory.class.getName());
        }
        if (Modifier.isAbstract(type.getModifiers())) {
            throw new IllegalArgumentException(model + "class " + className + " is abstract");
        }
        try {
            Constructor<?> constructor = type.getConstructor();
            return new FactoryModel(name.trim(), (BlockFactory) constructor.newInstance());
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(model + "class " + className
                    + " has no public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException(model + "the constructor of " + className + " failed: "
                    + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(model + "class " + className + " cannot be made: " + e, e);
        }
    }

    /** Returns the factory. */
    BlockFactory factory() {
        return factory;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return "user model " + factory.getClass().getName();
    }

    @Override
    public boolean acceptsAnyOption() {
        return true;
    }

    @Override
    public FeatureDomain inputDomain(ModelSpec spec) {
        return factory.inputDomain(spec);
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        Block block;
        try {
            block = factory.build(input, spec);
        } catch (IllegalArgumentException e) {
            String prefix = "model '" + name + "'";
            throw String.valueOf(e.getMessage()).startsWith(prefix) ? e
                    : new IllegalArgumentException(prefix + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model '" + name + "': building the block failed: " + e, e);
        }
        if (block == null) {
            throw new IllegalArgumentException("model '" + name + "': " + factory.getClass().getName()
                    + ".build returned null");
        }
        return block;
    }
}
