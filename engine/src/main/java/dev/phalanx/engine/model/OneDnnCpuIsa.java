package dev.phalanx.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Whether this process runs PyTorch's CPU convolutions on oneDNN's AVX-512 kernels, which give
 * wrong gradients now and then, and what to set instead.
 *
 * <p>Why: with the PyTorch 2.7.1 natives DJL 0.36 uses, a ResNet trained on an AVX-512 CPU gets NaN
 * gradients in its first layers at a random step in about half of all fresh processes, while the
 * loss of that step is finite and bitwise the same as in a clean run; the same steps are clean in
 * every run once oneDNN is capped at AVX2 (measured in issue 6's note). The failing kernels are
 * oneDNN's convolution backward passes, and only models whose channel counts are not multiples of
 * 16 (which oneDNN pads to 16-channel blocks) were seen to fail (docs/BENCHMARKS.md); the cap
 * stays the default for all, since that evidence is 0 failures in 72 runs, not a proof. oneDNN
 * reads its cap from the environment variable {@value
 * #VARIABLE} when it first runs, so it must be set before the JVM starts: {@code bin/phalanx} and
 * the test runner set it, the launcher passes it to executors, and a notebook's interpreter needs
 * it in its environment.
 */
public final class OneDnnCpuIsa {

    /** oneDNN's environment variable for the highest instruction set it may use. */
    public static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";

    /** The cap under which the convolution kernels were measured correct. */
    public static final String SAFE_CAP = "AVX2";

    /** oneDNN's channel block on AVX-512: channel counts that are not multiples of it get padded. */
    public static final int CHANNEL_BLOCK = 16;

    /** The name oneDNN read before version 2 and still reads. */
    private static final String LEGACY_VARIABLE = "DNNL_MAX_CPU_ISA";

    private OneDnnCpuIsa() {}

    /**
     * Returns what to do when this process runs a convolutional model on oneDNN's AVX-512 kernels
     * and should not, or nothing. With no cap set, that is any convolutional model on a CPU with
     * AVX-512; with a cap the user set that still allows AVX-512 (such as {@code ALL}), it is a
     * model with padded filter counts, where the fault was seen.
     *
     * @param paddedFilters the model's filter counts that are not multiples of {@link #CHANNEL_BLOCK}
     */
    public static Optional<String> advice(List<Integer> paddedFilters) {
        return advice(System.getenv(), cpuFlags(), paddedFilters);
    }

    /**
     * As {@link #advice(List)}, for the given environment and CPU flags (the {@code flags} line of
     * {@code /proc/cpuinfo}).
     */
    static Optional<String> advice(Map<String, String> environment, String cpuFlags, List<Integer> paddedFilters) {
        String cap = isSet(environment.get(VARIABLE)) ? environment.get(VARIABLE)
                : isSet(environment.get(LEGACY_VARIABLE)) ? environment.get(LEGACY_VARIABLE) : null;
        boolean avx512 = (" " + cpuFlags + " ").contains(" avx512f ");
        String where = " in the environment of the process that trains (the driver in local mode, the executors"
                + " through spark.executorEnv." + VARIABLE + "=" + SAFE_CAP + ")";
        if (!avx512) {
            return Optional.empty();
        }
        if (cap == null) {
            return Optional.of("this CPU has AVX-512 and " + VARIABLE + " is not set, so PyTorch's convolutions"
                    + " run on oneDNN's AVX-512 kernels, which sometimes give NaN gradients; set " + VARIABLE + "="
                    + SAFE_CAP + where);
        }
        if (allowsAvx512(cap) && !paddedFilters.isEmpty()) {
            return Optional.of(VARIABLE + "=" + cap.trim() + " lets PyTorch's convolutions run on oneDNN's AVX-512"
                    + " kernels, which gave NaN gradients for convolutions whose filter counts are not multiples of "
                    + CHANNEL_BLOCK + ", and this model has such convolutions (" + paddedFilters + " filters); set "
                    + VARIABLE + "=" + SAFE_CAP + where);
        }
        return Optional.empty();
    }

    /** Whether a cap still lets oneDNN use AVX-512: {@code ALL}, the AVX-512 levels and AVX10. */
    private static boolean allowsAvx512(String cap) {
        String isa = cap.trim().toUpperCase(Locale.ROOT);
        return isa.equals("ALL") || isa.startsWith("AVX512") || isa.startsWith("AVX10");
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** Returns the CPU's feature flags, or "" where /proc/cpuinfo does not exist (not Linux). */
    private static String cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(cpuinfo)) {
            return "";
        }
        try (Stream<String> lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
