package dev.phalanx.models;

import ai.djl.nn.Block;
import java.lang.ref.SoftReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.WeakHashMap;
import java.util.regex.Pattern;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * The models Phalanx knows, looked up by the name used in job configs; a spec may add typed
 * options after the name (see {@link ModelSpec}). Families come from {@link ServiceLoader}: the
 * built-in ones and any a jar on the class path registers ({@link ModelDefinition}). A name {@code
 * class:com.acme.nets.MyNet} is a user's {@link BlockFactory}, loaded by class name.
 *
 * <p>The class path searched is the thread's context class loader, as Spark sets it in a task to
 * the one holding the application's jars; each class loader's families are found once.
 */
public final class ModelCatalog {

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
    /**
     * Each class loader's families, found once. Weak keys and soft values: the families' classes
     * hold their loader, so a loader that is done with (a CLI run's --jars) can still be collected.
     */
    private static final Map<ClassLoader, SoftReference<Map<String, ModelDefinition>>> FAMILIES =
            Collections.synchronizedMap(new WeakHashMap<>());

    private ModelCatalog() {}

    /** The class loader user models are loaded from: the thread's context loader, else this module's. */
    static ClassLoader classLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : ModelCatalog.class.getClassLoader();
    }

    private static Map<String, ModelDefinition> families() {
        ClassLoader loader = classLoader();
        SoftReference<Map<String, ModelDefinition>> cached = FAMILIES.get(loader);
        Map<String, ModelDefinition> families = cached == null ? null : cached.get();
        if (families == null) {
            families = load(loader);
            FAMILIES.put(loader, new SoftReference<>(families));
        }
        return families;
    }

    private static Map<String, ModelDefinition> load(ClassLoader loader) {
        Map<String, ModelDefinition> found = new LinkedHashMap<>();
        try {
            // The built-in families first, in their own order, whatever the order of jars on the class path.
            List<ModelDefinition> families = new ArrayList<>();
            ServiceLoader.load(ModelDefinition.class, loader).forEach(families::add);
            families.sort(Comparator.comparing(
                    family -> !family.getClass().getPackageName().equals(ModelCatalog.class.getPackageName())));
            for (ModelDefinition family : families) {
                String name = family.name();
                if (name == null || !NAME.matcher(name).matches()) {
                    throw new IllegalStateException("model family " + family.getClass().getName() + " is named '"
                            + name + "'; a name is a lower-case word ([a-z][a-z0-9_-]*)");
                }
                ModelDefinition before = found.putIfAbsent(name, family);
                if (before != null) {
                    throw new IllegalStateException("model '" + name + "' is registered twice, by "
                            + before.getClass().getName() + " and " + family.getClass().getName());
                }
            }
        } catch (ServiceConfigurationError | LinkageError e) {
            throw new IllegalStateException("a model family on the class path cannot be loaded: " + e.getMessage(), e);
        }
        return Collections.unmodifiableMap(found);
    }

    /**
     * Returns the model registered under {@code name}, or the user factory a {@code class:} name gives.
     *
     * @throws IllegalArgumentException naming the known models when there is none by that name, or
     *     what is wrong with a factory class
     */
    public static ModelDefinition byName(String name) {
        if (name.startsWith(FactoryModel.PREFIX)) {
            return FactoryModel.load(name);
        }
        Map<String, ModelDefinition> families = families();
        ModelDefinition model = families.get(name);
        if (model == null) {
            String nearest = nearest(name, families.keySet());
            throw new IllegalArgumentException("model '" + name + "' is unknown; "
                    + (nearest == null ? "" : "did you mean '" + nearest + "'? ") + "known models: "
                    + String.join(", ", families.keySet()) + ", or class:<your BlockFactory class>");
        }
        return model;
    }

    /** The known name within a few edits of {@code name} (a typo, not another word), or null. */
    private static String nearest(String name, Iterable<String> known) {
        String best = null;
        int bestDistance = Math.max(2, name.length() / 3) + 1;
        for (String candidate : known) {
            int distance = LevenshteinDistance.getDefaultInstance().apply(name, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /**
     * Builds the model a spec names, for example {@code "transformer(layers=2)"}.
     *
     * @throws IllegalArgumentException for an unknown model or option, a malformed value, or an
     *     input the model cannot take
     */
    public static Block build(String spec, InputSpec input) {
        return build(ModelSpec.parse(spec), input);
    }

    /** Builds the model of a parsed spec. */
    public static Block build(ModelSpec spec, InputSpec input) {
        return spec.definition().build(input, spec);
    }

    /** Returns what the input values of the model a spec names are. */
    public static FeatureDomain inputDomain(String spec) {
        return inputDomain(ModelSpec.parse(spec));
    }

    /** Returns what the input values of a parsed spec's model are. */
    public static FeatureDomain inputDomain(ModelSpec spec) {
        return spec.definition().inputDomain(spec);
    }

    /** Returns every model family on the class path by name, built-in ones first. */
    public static Map<String, ModelDefinition> all() {
        return families();
    }
}
