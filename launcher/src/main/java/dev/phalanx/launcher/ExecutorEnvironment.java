package dev.phalanx.launcher;

import dev.phalanx.engine.process.MklAnyVendor;
import dev.phalanx.engine.process.NativeMemoryTuning;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The environment variables executors need for safe, fast training, as {@code
 * spark.executorEnv.*} settings. Executors start with their own environment, not the launcher's,
 * so the launcher passes on the glibc tunables of the NaN guard ({@link OneDnnPaddingGuard}) and
 * the malloc thresholds ({@link NativeMemoryTuning}) it runs under ({@code bin/phalanx} sets them),
 * or Phalanx's defaults where it runs without them, a malloc fill the user set, and the oneMKL
 * library it preloads ({@link MklAnyVendor}). A setting the user configured is left alone.
 */
final class ExecutorEnvironment {

    private ExecutorEnvironment() {}

    /**
     * Returns the {@code spark.executorEnv.*} settings to add.
     *
     * @param configured whether the user already configured a Spark key
     * @param environment this process's environment
     */
    static Map<String, String> settings(Predicate<String> configured, Map<String, String> environment) {
        Map<String, String> values = new LinkedHashMap<>();
        // Workers turn malloc's fill on themselves when their model needs it; one set here is the user's choice.
        String fill = environment.get(OneDnnPaddingGuard.FILL_VARIABLE);
        if (fill != null && !fill.isBlank()) {
            values.put(OneDnnPaddingGuard.FILL_VARIABLE, fill);
        }
        // The tunables this process runs under, with glibc's thread cache turned off.
        values.put(OneDnnPaddingGuard.TUNABLES_VARIABLE,
                OneDnnPaddingGuard.tunables(environment.get(OneDnnPaddingGuard.TUNABLES_VARIABLE)));
        // oneMKL's kernels by CPU features: the library at the path this process preloads it from.
        MklAnyVendor.preloadEntry(environment.get(MklAnyVendor.PRELOAD_VARIABLE))
                .ifPresent(library -> values.put(MklAnyVendor.PRELOAD_VARIABLE, library));
        NativeMemoryTuning.settings().forEach((variable, fallback) ->
                values.put(variable, valueOr(environment, variable, fallback)));
        Map<String, String> settings = new LinkedHashMap<>();
        values.forEach((variable, value) -> {
            String key = "spark.executorEnv." + variable;
            if (!configured.test(key)) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    private static String valueOr(Map<String, String> environment, String variable, String fallback) {
        String value = environment.get(variable);
        return value == null || value.isBlank() ? fallback : value;
    }
}
