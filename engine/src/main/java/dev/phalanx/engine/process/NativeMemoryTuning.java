package dev.phalanx.engine.process;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The glibc malloc settings under which PyTorch's CPU tensors reuse memory from step to step, and
 * what to say when a worker runs without them.
 *
 * <p>Why: PyTorch allocates every activation and gradient tensor with {@code malloc} and frees it
 * within the step, and with glibc's defaults that memory goes back to the kernel in three ways:
 * <ul>
 *   <li>blocks above a dynamic threshold (128 KiB at first, at most 32 MiB) come from their own
 *       {@code mmap};
 *   <li>free memory above a trim threshold at the top of a heap is handed back;
 *   <li>a worker thread's arena grows in heaps of at most 64 MiB, and a heap whose memory is all
 *       free again is unmapped, unless the previous heap has less room left than the top pad
 *       (128 KiB by default). A step whose tensors spill into a new heap maps it, and the step's
 *       end unmaps it, every step.
 * </ul>
 * So each step faults in its tensors afresh and the kernel zeroes every page. With the first two
 * fixed high, the CNN step on the 2-core benchmark VM went from 79 to 35 ms at W = 1, 67 to 21 ms
 * at W = 2, and PyTorch eager from 65 to 21 ms (docs/BENCHMARKS-HISTORY.md, "Lever: glibc malloc
 * thresholds"). The third depends on where a process's long-lived allocations happened to land:
 * DJL alone on the CNN ran at 37-39 ms in some fresh processes and 78-116 ms in others, and a
 * Phalanx CNN worker with batch 256 took 241-307 ms per step instead of 136-146 ms; a 64 MiB top
 * pad, a whole heap, keeps such heaps mapped ("Lever: a top pad of one heap"). Setting only one of
 * the thresholds is worse than neither: it turns off glibc's dynamic adjustment of both. glibc
 * reads these variables when the process starts, so they must be in its environment: {@code
 * bin/phalanx} and the test runner set them, the launcher passes them to executors, and a
 * notebook's interpreter needs them in its environment.
 */
public final class NativeMemoryTuning {

    /** Allocations up to this size come from malloc's heaps, not fresh {@code mmap}s: glibc's own ceiling. */
    public static final String MMAP_THRESHOLD_VARIABLE = "MALLOC_MMAP_THRESHOLD_";

    /** Free memory at the top of a heap is handed back to the kernel only above this size. */
    public static final String TRIM_THRESHOLD_VARIABLE = "MALLOC_TRIM_THRESHOLD_";

    /** Free memory this large is kept when a heap grows or shrinks, and a heap is unmapped only above it. */
    public static final String TOP_PAD_VARIABLE = "MALLOC_TOP_PAD_";

    /** 32 MiB: the largest value glibc's dynamic threshold would reach by itself. */
    public static final String MMAP_THRESHOLD = Integer.toString(32 * 1024 * 1024);

    /** 128 MiB: a step's tensors of any of the bundled models stay well below it. */
    public static final String TRIM_THRESHOLD = Integer.toString(128 * 1024 * 1024);

    /** 64 MiB: the size of a whole per-thread heap, so that no heap is unmapped between steps. */
    public static final String TOP_PAD = Integer.toString(64 * 1024 * 1024);

    /** glibc's newer way to set the same thresholds. */
    private static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    private NativeMemoryTuning() {}

    /** Returns the variables and values to set, in a fixed order. */
    public static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(MMAP_THRESHOLD_VARIABLE, MMAP_THRESHOLD);
        settings.put(TRIM_THRESHOLD_VARIABLE, TRIM_THRESHOLD);
        settings.put(TOP_PAD_VARIABLE, TOP_PAD);
        return settings;
    }

    /** Returns what to set when this process runs with any of glibc's default malloc settings, or nothing. */
    public static Optional<String> advice() {
        return advice(System.getenv());
    }

    /** As {@link #advice()}, for the given environment. */
    static Optional<String> advice(Map<String, String> environment) {
        String tunables = environment.getOrDefault(TUNABLES_VARIABLE, "");
        Map<String, String> tunableNames = Map.of(
                MMAP_THRESHOLD_VARIABLE, "glibc.malloc.mmap_threshold",
                TRIM_THRESHOLD_VARIABLE, "glibc.malloc.trim_threshold",
                TOP_PAD_VARIABLE, "glibc.malloc.top_pad");
        boolean allSet = tunableNames.entrySet().stream()
                .allMatch(name -> isSet(environment.get(name.getKey())) || tunables.contains(name.getValue()));
        if (allSet) {
            return Optional.empty();
        }
        StringBuilder assignments = new StringBuilder();
        StringBuilder executorKeys = new StringBuilder();
        settings().forEach((variable, value) -> {
            assignments.append(assignments.length() == 0 ? "" : " ").append(variable).append('=').append(value);
            executorKeys.append(executorKeys.length() == 0 ? "" : ", ").append("spark.executorEnv.").append(variable);
        });
        return Optional.of("glibc's default malloc settings are in force, so PyTorch maps, faults in and zeroes"
                + " its tensors' memory afresh every step (2-3x slower CNN steps on a 2-core VM); set " + assignments
                + " in the environment of the process that trains (the driver in local mode, the executors through "
                + executorKeys + ")");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }
}
