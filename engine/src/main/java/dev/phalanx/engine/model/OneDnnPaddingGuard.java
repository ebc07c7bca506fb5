package dev.phalanx.engine.model;

import java.util.Map;
import java.util.Optional;

/**
 * The glibc settings under which PyTorch's CPU convolutions never give NaN gradients, and what to
 * say when a worker training a convolutional model runs without them.
 *
 * <p>Why: with the PyTorch 2.7.1 natives DJL 0.36 uses, oneDNN's convolutions work on channel
 * blocks (8 channels with AVX2 kernels, 16 with AVX-512 ones), and a layer whose channel count
 * is not a multiple of the block gets padded channels, whose memory some of these kernels read
 * without it having been written. The values read there are multiplied by zero weights, so
 * garbage that happens to be a finite number changes nothing (the gradients are bitwise those
 * of a clean run), but a NaN or infinity left in that memory by earlier use makes NaN
 * gradients: ResNets of widths 4, 8 and 12 failed in 19 of 45 fresh processes, whether oneDNN
 * was capped at AVX2 or not (width 12 in 16 of 29). glibc's {@value #VARIABLE} fills every
 * block malloc hands out with a fixed byte (the complement of the variable's value; {@value
 * #VALUE} gives 0xFE bytes, a finite float), so that memory never holds a NaN: 0 of 46 runs
 * failed with it, at every width and ISA tried (docs/BENCHMARKS.md, "The NaN fault: padded
 * channels read unwritten memory"). It costs about 4 ms per step of the benchmark CNN (15-20%),
 * less than capping oneDNN at AVX2 did, which guarded only models whose channel counts are
 * multiples of 8. glibc's per-thread cache hands blocks of up to 1 KiB straight back to the next
 * malloc without the fill (a C test: 60 of 64 NaNs survived a free and malloc of 256 bytes), so
 * the guard also turns that cache off ({@value #NO_THREAD_CACHE} in {@value #TUNABLES_VARIABLE}),
 * which cost nothing measurable on the benchmark models. glibc reads both variables when the
 * process starts: {@code bin/phalanx} and the test runner set them, the launcher passes them to
 * executors, and a notebook's interpreter needs them in its environment.
 */
public final class OneDnnPaddingGuard {

    /** glibc's environment variable for filling malloc'd and freed memory with a fixed byte. */
    public static final String VARIABLE = "MALLOC_PERTURB_";

    /** Fresh blocks are filled with 0xFE bytes (a finite float), freed ones with 0x01 bytes. */
    public static final String VALUE = "1";

    /** glibc's variable for its tunables, a colon-separated list of {@code name=value}. */
    public static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    /** The tunable that turns off glibc's per-thread cache, whose blocks skip the fill. */
    public static final String NO_THREAD_CACHE = "glibc.malloc.tcache_count=0";

    private static final String THREAD_CACHE_TUNABLE = "glibc.malloc.tcache_count=";

    private OneDnnPaddingGuard() {}

    /**
     * Returns the value {@link #TUNABLES_VARIABLE} should have: {@code current} (null or blank when
     * unset) with the thread cache turned off, unless it already sets the cache size itself.
     */
    public static String tunables(String current) {
        if (current == null || current.isBlank()) {
            return NO_THREAD_CACHE;
        }
        return current.contains(THREAD_CACHE_TUNABLE) ? current : current + ":" + NO_THREAD_CACHE;
    }

    /** Returns what to set when this process trains a convolutional model without the guard, or nothing. */
    public static Optional<String> advice() {
        return advice(System.getenv());
    }

    /** As {@link #advice()}, for the given environment. */
    static Optional<String> advice(Map<String, String> environment) {
        String value = environment.getOrDefault(VARIABLE, "").trim();
        String tunables = environment.getOrDefault(TUNABLES_VARIABLE, "");
        boolean filled = !value.isEmpty() && !value.equals("0") || tunables.contains("glibc.malloc.perturb=");
        boolean noThreadCache = (":" + tunables + ":").contains(":" + NO_THREAD_CACHE + ":");
        if (filled && noThreadCache) {
            return Optional.empty();
        }
        String missing = (filled ? "" : VARIABLE + "=" + VALUE + " and ")
                + TUNABLES_VARIABLE + " with " + NO_THREAD_CACHE;
        String executorKeys = (filled ? "" : "spark.executorEnv." + VARIABLE + ", ")
                + "spark.executorEnv." + TUNABLES_VARIABLE;
        return Optional.of("oneDNN's convolutions can read NaNs left in the padding of channel blocks and give NaN"
                + " gradients (seen in 16 of 29 runs of a ResNet of width 12) unless glibc fills every block it"
                + " hands out; set " + missing + " in the environment of the process that trains (the driver in"
                + " local mode, the executors through " + executorKeys + ")");
    }
}
