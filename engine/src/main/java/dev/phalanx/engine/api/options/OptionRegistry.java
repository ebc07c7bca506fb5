package dev.phalanx.engine.api.options;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.text.similarity.LevenshteinDistance;

/**
 * An ordered set of options with unique keys: the training options of {@link TrainingKeys}, and the
 * {@code phalanx} command's job config, which adds its own keys to those.
 */
public final class OptionRegistry {

    private final Map<String, OptionKey<?>> byName = new LinkedHashMap<>();

    private OptionRegistry(List<OptionKey<?>> keys) {
        for (OptionKey<?> key : keys) {
            if (byName.putIfAbsent(key.name(), key) != null) {
                throw new IllegalArgumentException("option '" + key.name() + "' is declared twice");
            }
        }
    }

    /** Returns a registry of {@code keys} in this order. */
    public static OptionRegistry of(List<OptionKey<?>> keys) {
        return new OptionRegistry(keys);
    }

    /** Returns a registry of this one's keys followed by {@code more}. */
    public OptionRegistry with(List<OptionKey<?>> more) {
        List<OptionKey<?>> keys = new ArrayList<>(byName.values());
        keys.addAll(more);
        return new OptionRegistry(keys);
    }

    /** Returns every key, in declaration order. */
    public List<OptionKey<?>> all() {
        return Collections.unmodifiableList(new ArrayList<>(byName.values()));
    }

    /** Returns the key called {@code name}, or null. */
    public OptionKey<?> find(String name) {
        return byName.get(name);
    }

    /** Returns the known key nearest to {@code name} in edit distance, for "did you mean" hints. */
    public String nearest(String name) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String known : byName.keySet()) {
            int distance = LevenshteinDistance.getDefaultInstance().apply(name, known);
            if (distance < bestDistance) {
                bestDistance = distance;
                best = known;
            }
        }
        return best;
    }
}
