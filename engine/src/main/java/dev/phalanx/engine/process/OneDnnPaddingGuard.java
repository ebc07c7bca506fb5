package dev.phalanx.engine.process;

import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;

/**
 * Keeps PyTorch's CPU convolutions from giving NaN gradients in models whose channel counts oneDNN
 * pads, and says what is missing when it cannot.
 *
 * <p>Why: with the PyTorch 2.7.1 natives DJL 0.36 uses, oneDNN's convolutions work on channel
 * blocks (8 channels with AVX2 kernels, {@value #CHANNEL_BLOCK} with AVX-512 ones), and a layer
 * whose channel count is not a multiple of the block gets padded channels, whose memory some of
 * these kernels read without it having been written. The values read there are multiplied by zero
 * weights, so garbage that happens to be a finite number changes nothing (the gradients are bitwise
 * those of a clean run), but a NaN or infinity left in that memory by earlier use makes NaN
 * gradients: ResNets of widths 4, 8 and 12 failed in 19 of 45 fresh processes, whether oneDNN was
 * capped at AVX2 or not. glibc's malloc can fill every block it hands out with a fixed byte (0xFE
 * here, a finite float), so that memory never holds a NaN: 0 of 46 runs failed with it
 * (docs/BENCHMARKS-HISTORY.md, "The NaN fault: padded channels read unwritten memory"). The fill
 * costs about 4 ms per step of the benchmark CNN (15-20%), so it is turned on ({@link MallocFill})
 * only for models that have padded channels, by a CPU worker for as long as it trains and by {@code
 * ModelReplica.withParameters} for as long as the scoring replica lives; the benchmark CNN (32 and
 * 64 filters) has none.
 *
 * <p>glibc's per-thread cache hands blocks of up to 1 KiB straight back to the next malloc without
 * the fill (a C test: 60 of 64 NaNs survived a free and malloc of 256 bytes), and a padded weight
 * gradient can be that small, so the cache must be off ({@value #NO_THREAD_CACHE} in {@value
 * #TUNABLES_VARIABLE}, which cost nothing measurable on the benchmark models). glibc reads that
 * only when the process starts: {@code bin/phalanx} and the test runner set it, the launcher passes
 * it to executors, and a notebook's interpreter needs it in its environment.
 */
public final class OneDnnPaddingGuard {

    /** oneDNN's channel block for 32-bit floats with AVX-512 kernels; AVX2 kernels' 8 divides it. */
    public static final int CHANNEL_BLOCK = 16;

    /** glibc's environment variable for filling malloc'd and freed memory with a fixed byte. */
    public static final String FILL_VARIABLE = "MALLOC_PERTURB_";

    /** glibc's variable for its tunables, a colon-separated list of {@code name=value}. */
    public static final String TUNABLES_VARIABLE = "GLIBC_TUNABLES";

    /** The tunable that turns off glibc's per-thread cache, whose blocks skip the fill. */
    public static final String NO_THREAD_CACHE = "glibc.malloc.tcache_count=0";

    /** Fresh blocks are filled with 0xFE bytes (a finite float), freed ones with 0x01 bytes. */
    static final int FILL_VALUE = 1;

    private static final String THREAD_CACHE_TUNABLE = "glibc.malloc.tcache_count=";

    /** How many padded convolutions a report names; a ResNet can have dozens. */
    private static final int NAMED = 3;

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

    /**
     * Returns the convolutions of an initialised block whose channel counts oneDNN pads, each as
     * its path and counts, for example {@code "02Conv2d (12 filters over 1 channel)"}. A single
     * input channel (the first layer of a greyscale model) counts as unpadded: 0 of 48 runs of the
     * benchmark CNN, whose first layer has one, saw a NaN without the fill.
     */
    public static List<String> paddedConvolutions(Block block) {
        List<String> padded = new ArrayList<>();
        collectPadded("", block, padded);
        return padded;
    }

    private static void collectPadded(String path, Block block, List<String> padded) {
        if (block instanceof Convolution convolution) {
            long inputChannels = convolution.getParameters().get("weight").getArray().getShape().get(1)
                    * convolution.getGroups();
            int filters = convolution.getFilters();
            if (filters % CHANNEL_BLOCK != 0 || inputChannels != 1 && inputChannels % CHANNEL_BLOCK != 0) {
                padded.add((path.isEmpty() ? block.getClass().getSimpleName() : path) + " (" + filters + " filters over "
                        + inputChannels + (inputChannels == 1 ? " channel)" : " channels)"));
            }
        }
        for (Pair<String, Block> child : block.getChildren()) {
            collectPadded(path.isEmpty() ? child.getKey() : path + "/" + child.getKey(), child.getValue(), padded);
        }
    }

    /** A line for the worker's log, at the level it deserves. */
    public record Report(Level level, String message) {}

    /**
     * What {@link #protect} did: its report, if any, and a hold on malloc's fill when it turned the
     * fill on. Closing it gives the hold back, so the fill is off again once every model that
     * needed it is done. Closing twice does nothing more.
     */
    public static final class Protection implements AutoCloseable {

        private final Optional<Report> report;
        private FillHolds held;

        private Protection(Optional<Report> report, FillHolds held) {
            this.report = report;
            this.held = held;
        }

        /** Returns what to log, or empty when the model needed nothing. */
        public Optional<Report> report() {
            return report;
        }

        @Override
        public synchronized void close() {
            if (held != null) {
                held.release();
                held = null;
            }
        }
    }

    /** The fill of this process, shared by every model that needs it. */
    private static final FillHolds PROCESS_FILL = new FillHolds(MallocFill::set);

    /**
     * Guards this process for a CPU worker or a scorer of a model with the given padded
     * convolutions (none: nothing to do): turns on malloc's fill unless the environment already
     * has, until the returned protection is closed, and reports what it did or what is missing.
     */
    public static Protection protect(List<String> paddedConvolutions) {
        return protect(paddedConvolutions, System.getenv(), PROCESS_FILL);
    }

    /** As {@link #protect(List)}, for the given environment and fill. */
    static Protection protect(List<String> paddedConvolutions, Map<String, String> environment, FillHolds fill) {
        if (paddedConvolutions.isEmpty()) {
            return new Protection(Optional.empty(), null);
        }
        int count = paddedConvolutions.size();
        String named = String.join(", ", paddedConvolutions.subList(0, Math.min(NAMED, count)))
                + (count > NAMED ? " and " + (count - NAMED) + " more" : "");
        String why = "oneDNN pads the channels of " + count + (count == 1 ? " convolution" : " convolutions")
                + " of this model to blocks of " + CHANNEL_BLOCK + " (" + named + ") and can read NaNs left in that"
                + " padding, which gives NaN gradients";
        String value = environment.getOrDefault(FILL_VARIABLE, "").trim();
        String tunables = environment.getOrDefault(TUNABLES_VARIABLE, "");
        boolean filledAtStart = !value.isEmpty() && !value.equals("0") || tunables.contains("glibc.malloc.perturb=");
        if (!filledAtStart && !fill.hold()) {
            return new Protection(Optional.of(new Report(Level.WARNING, why + "; this C library would not fill fresh"
                    + " memory (mallopt(M_PERTURB) failed: not glibc?), so training may stop with a NaN loss; channel"
                    + " counts that are multiples of " + CHANNEL_BLOCK + " avoid the padding")), null);
        }
        FillHolds held = filledAtStart ? null : fill;
        if (!(":" + tunables + ":").contains(":" + NO_THREAD_CACHE + ":")) {
            return new Protection(Optional.of(new Report(Level.WARNING, why + "; malloc now fills fresh blocks, but its"
                    + " per-thread cache hands small blocks back unfilled: set " + TUNABLES_VARIABLE + " with "
                    + NO_THREAD_CACHE + " in the environment of the process that trains (the driver in local mode, the"
                    + " executors through spark.executorEnv." + TUNABLES_VARIABLE + ")")), held);
        }
        return new Protection(Optional.of(new Report(Level.INFO, why + "; malloc now fills every fresh block with a"
                + " finite byte pattern while this model trains or scores (about 15% slower steps; channel counts"
                + " that are multiples of " + CHANNEL_BLOCK + " need no fill)")), held);
    }
}
