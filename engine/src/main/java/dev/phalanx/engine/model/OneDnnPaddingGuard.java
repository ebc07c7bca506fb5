package dev.phalanx.engine.model;

import java.util.Map;
import java.util.Optional;

/**
 * The glibc setting under which PyTorch's CPU convolutions never give NaN gradients, and what to
 * say when a worker training a convolutional model runs without it.
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
 * multiples of 8. Blocks of up to 1 KiB that glibc recycles through its per-thread cache are
 * not filled; the NaN check on every step's loss stays the last line of defence. glibc reads
 * the variable when the process starts: {@code bin/phalanx} and the test runner set it, the
 * launcher passes it to executors, and a notebook's interpreter needs it in its environment.
 */
public final class OneDnnPaddingGuard {

    /** glibc's environment variable for filling malloc'd and freed memory with a fixed byte. */
    public static final String VARIABLE = "MALLOC_PERTURB_";

    /** Fresh blocks are filled with 0xFE bytes (a finite float), freed ones with 0x01 bytes. */
    public static final String VALUE = "1";

    /** glibc's newer way to set the same byte. */
    private static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    private OneDnnPaddingGuard() {}

    /** Returns what to set when this process trains a convolutional model without the guard, or nothing. */
    public static Optional<String> advice() {
        return advice(System.getenv());
    }

    /** As {@link #advice()}, for the given environment. */
    static Optional<String> advice(Map<String, String> environment) {
        String value = environment.getOrDefault(VARIABLE, "").trim();
        boolean set = !value.isEmpty() && !value.equals("0");
        if (set || environment.getOrDefault(TUNABLES_VARIABLE, "").contains("glibc.malloc.perturb")) {
            return Optional.empty();
        }
        return Optional.of(VARIABLE + " is not set, so oneDNN's convolutions can read NaNs left in the padding"
                + " of channel blocks and give NaN gradients (seen in 16 of 29 runs of a ResNet of width 12);"
                + " set " + VARIABLE + "=" + VALUE + " in the environment of the process that trains (the driver"
                + " in local mode, the executors through spark.executorEnv." + VARIABLE + "=" + VALUE + ")");
    }
}
