package dev.phalanx.engine.process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Whether the oneMKL inside DJL's PyTorch natives picks its matrix-product kernels by the CPU's
 * features, and what to say when it does not.
 *
 * <p>Why: oneMKL uses generic kernels on CPUs that are not Intel's. On the AMD EPYC benchmark VM
 * (AVX-512) a 64x784x256 float product took 312 us instead of 142 us, and the benchmark MLP's step
 * about 40% longer (docs/BENCHMARKS-HISTORY.md, "Lever: oneMKL's kernels on AMD CPUs"). The engine
 * module builds {@value #LIBRARY}, which answers oneMKL's vendor question with yes; preloaded into
 * the JVM ({@value #PRELOAD_VARIABLE}), oneMKL then chooses among its kernels by the features the
 * CPU reports, as it does on Intel's. The dynamic loader reads the variable when the process
 * starts: {@code bin/phalanx} and the test runner set it, the launcher passes it to executors
 * (which need the library at the same path), and a notebook's interpreter needs it in its
 * environment.
 */
public final class MklAnyVendor {

    /** The file name of the library the engine module builds into {@code engine/target/native}. */
    public static final String LIBRARY = "libphalanx-mkl-any-vendor.so";

    /** The dynamic loader's variable: libraries loaded before all others, separated by colons or spaces. */
    public static final String PRELOAD_VARIABLE = "LD_PRELOAD";

    private static final String INTEL = "GenuineIntel";

    private MklAnyVendor() {}

    /** Returns the entry of an {@value #PRELOAD_VARIABLE} value (null when unset) that is this library. */
    public static Optional<String> preloadEntry(String preload) {
        if (preload == null) {
            return Optional.empty();
        }
        return Arrays.stream(preload.split("[: ]+"))
                .filter(entry -> entry.equals(LIBRARY) || entry.endsWith("/" + LIBRARY))
                .findFirst();
    }

    /** Returns what to set when this process runs on a CPU that is not Intel's without the library, or nothing. */
    public static Optional<String> advice() {
        return advice(cpuVendor(Path.of("/proc/cpuinfo")), System.getenv());
    }

    /** As {@link #advice()}, for the given CPU vendor (empty when unknown) and environment. */
    static Optional<String> advice(String vendor, Map<String, String> environment) {
        if (vendor.isEmpty() || vendor.equals(INTEL) || preloadEntry(environment.get(PRELOAD_VARIABLE)).isPresent()) {
            return Optional.empty();
        }
        return Optional.of("oneMKL runs its generic kernels on this " + vendor + " CPU (matrix products up to 2.2x"
                + " slower); set " + PRELOAD_VARIABLE + " to engine/target/native/" + LIBRARY + " of a Phalanx build"
                + " in the environment of the process that trains (the driver in local mode, the executors through"
                + " spark.executorEnv." + PRELOAD_VARIABLE + ")");
    }

    /** Returns the {@code vendor_id} that {@code cpuinfo} names, or an empty string when it names none. */
    static String cpuVendor(Path cpuinfo) {
        try (var lines = Files.lines(cpuinfo)) {
            return lines.filter(line -> line.startsWith("vendor_id"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst()
                    .orElse("");
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
