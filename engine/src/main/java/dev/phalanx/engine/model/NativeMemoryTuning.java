package dev.phalanx.engine.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The glibc malloc settings under which PyTorch's CPU tensors reuse memory from step to step, and
 * what to say when a worker runs without them.
 *
 * <p>Why: PyTorch allocates every activation and gradient tensor with {@code malloc} and frees it
 * within the step. With glibc's defaults, blocks above a dynamic threshold (128 KiB at first, at
 * most 32 MiB) come from {@code mmap}, and free memory above a trim threshold at the top of a heap
 * is handed back to the kernel. So each step maps and faults in its tensors afresh, and the kernel
 * zeroes every page: about 6 000 page faults per CNN step. With both thresholds fixed high, freed
 * tensors are reused. On the 2-core benchmark VM the CNN step went from 79 to 35 ms at W = 1, 67 to
 * 21 ms at W = 2, and PyTorch eager from 65 to 21 ms (docs/BENCHMARKS.md, "Lever: glibc malloc
 * thresholds"). Setting only one of the two is worse than neither: it turns off glibc's dynamic
 * adjustment of both. glibc reads these variables when the process starts, so they must be in
 * its environment: {@code bin/phalanx} and the test runner set them, the launcher passes them to
 * executors, and a notebook's interpreter needs them in its environment.
 */
public final class NativeMemoryTuning {

    /** Allocations up to this size come from malloc's heaps, not fresh {@code mmap}s: glibc's own ceiling. */
    public static final String MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_";

    /** Free memory at the top of a heap is handed back to the kernel only above this size. */
    public static final String TRIM_THRESHOLD_VARIABLE = "MALLOC_TRIM_THRESHOLD_";

    /** 32 MiB: the largest value glibc's dynamic threshold would reach by itself. */
    public static final String MMAP_THRESHOLD = Integer.toString(32 * 1024 * 1024);

    /** 128 MiB: a step's tensors of any of the bundled models stay well below it. */
    public static final String TRIM_THRESHOLD = Integer.toString(128 * 1024 * 1024);

    /** glibc's newer way to set the same thresholds. */
    private static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    private NativeMemoryTuning() {}

    /** Returns the variables and values to set, in a fixed order. */
    public static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(MMAP_THRESHOLD_VARIABLE, MMAP_THRESHOLD);
        settings.put(TRIM_THRESHOLD_VARIABLE, TRIM_THRESHOLD);
        return settings;
    }

    /** Returns what to set when this process runs with glibc's default malloc thresholds, or nothing. */
    public static Optional<String> advice() {
        return advice(System.getenv());
    }

    /** As {@link #advice()}, for the given environment. */
    static Optional<String> advice(Map<String, String> environment) {
        String tunables = environment.getOrDefault(TUNABLES_VARIABLE, "");
        boolean mmap = isSet(environment.get(MMAP_THRESHOLD_VARIABLE)) || tunables.contains("glibc.malloc.mmap_threshold");
        boolean trim = isSet(environment.get(TRIM_THRESHOLD_VARIABLE)) || tunables.contains("glibc.malloc.trim_threshold");
        if (mmap && trim) {
            return Optional.empty();
        }
        return Optional.of("glibc's default malloc thresholds are in force, so PyTorch maps, faults in and zeroes"
                + " its tensors' memory afresh every step (2-3x slower CNN steps on a 2-core VM); set "
                + MMAP_THRESHOLD_VARIABLE + "=" + MMAP_THRESHOLD + " and " + TRIM_THRESHOLD_VARIABLE + "="
                + TRIM_THRESHOLD + " in the environment of the process that trains (the driver in local mode, the"
                + " executors through spark.executorEnv." + MMAP_THRESHOLD_VARIABLE + " and spark.executorEnv."
                + TRIM_THRESHOLD_VARIABLE + ")");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
