package dev.phalanx.engine.job;

import java.io.Serializable;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parameters a run does not train ({@code freeze}): their slices of the flat parameter order,
 * whose averaged gradients are set to zero before each optimizer step. With a zero gradient from the
 * first step on, neither SGD with momentum nor Adam moves a parameter.
 */
public final class FrozenParameters implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Nothing frozen. */
    public static final FrozenParameters NONE = new FrozenParameters(new int[0], new int[0], List.of());

    private final int[] offsets;
    private final int[] lengths;
    private final List<String> names;

    private FrozenParameters(int[] offsets, int[] lengths, List<String> names) {
        this.offsets = offsets;
        this.lengths = lengths;
        this.names = List.copyOf(names);
    }

    /**
     * Returns the parameters whose names start with one of {@code prefixes}.
     *
     * @param names every parameter's name, in flat order
     * @param sizes every parameter's number of values, in flat order
     * @throws IllegalArgumentException naming a prefix that matches no parameter, with the names there are
     */
    public static FrozenParameters of(List<String> names, List<Long> sizes, String[] prefixes) {
        if (prefixes.length == 0) {
            return NONE;
        }
        for (String prefix : prefixes) {
            if (names.stream().noneMatch(name -> name.startsWith(prefix))) {
                throw new IllegalArgumentException("freeze: '" + prefix + "' is the start of no parameter's name; the"
                        + " model's parameters: " + String.join(", ", names));
            }
        }
        List<Integer> offsets = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        List<String> frozen = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            if (Arrays.stream(prefixes).anyMatch(name::startsWith)) {
                offsets.add(Math.toIntExact(offset));
                lengths.add(Math.toIntExact(sizes.get(i)));
                frozen.add(name);
            }
            offset += sizes.get(i);
        }
        return new FrozenParameters(offsets.stream().mapToInt(Integer::intValue).toArray(),
                lengths.stream().mapToInt(Integer::intValue).toArray(), frozen);
    }

    /** Returns the names of the frozen parameters. */
    public List<String> names() {
        return names;
    }

    /** Whether nothing is frozen. */
    public boolean isEmpty() {
        return offsets.length == 0;
    }

    /** Sets the frozen parameters' slices of {@code gradients} (flat order) to zero. */
    public void zero(FloatBuffer gradients) {
        for (int i = 0; i < offsets.length; i++) {
            for (int j = offsets[i], end = offsets[i] + lengths[i]; j < end; j++) {
                gradients.put(j, 0f);
            }
        }
    }
}
