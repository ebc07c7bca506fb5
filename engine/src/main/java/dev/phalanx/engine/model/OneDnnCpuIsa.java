package dev.phalanx.engine.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * stays the default for all, since that evidence is 0 failures in 40 runs, not a proof. oneDNN
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

    /** The name oneDNN read before version 2 and still reads. */
    private static final String LEGACY_VARIABLE = "DNNL_MAX_CPU_ISA";

    private OneDnnCpuIsa() {}

    /**
     * Returns what to do when this process runs convolutions on oneDNN's AVX-512 kernels — this CPU
     * has AVX-512 and no cap is set — or nothing when it does not.
     */
    public static Optional<String> advice() {
        return advice(System.getenv(), cpuFlags());
    }

    /**
     * As {@link #advice()}, for the given environment and CPU flags (the {@code flags} line of
     * {@code /proc/cpuinfo}).
     */
    static Optional<String> advice(Map<String, String> environment, String cpuFlags) {
        boolean capped = isSet(environment.get(VARIABLE)) || isSet(environment.get(LEGACY_VARIABLE));
        boolean avx512 = (" " + cpuFlags + " ").contains(" avx512f ");
        if (capped || !avx512) {
            return Optional.empty();
        }
        return Optional.of("this CPU has AVX-512 and " + VARIABLE + " is not set, so PyTorch's convolutions"
                + " run on oneDNN's AVX-512 kernels, which sometimes give NaN gradients; set " + VARIABLE + "="
                + SAFE_CAP + " in the environment of the process that trains (the driver in local mode, the"
                + " executors through spark.executorEnv." + VARIABLE + "=" + SAFE_CAP + ")");
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
