package dev.phalanx.launcher;

import dev.phalanx.engine.model.NativeMemoryTuning;
import dev.phalanx.engine.model.OneDnnPaddingGuard;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The environment variables executors need for safe, fast training, as {@code
 * spark.executorEnv.*} settings. Executors start with their own environment, not the launcher's,
 * so the launcher passes on the NaN guard ({@link OneDnnPaddingGuard}) and the malloc thresholds
 * ({@link NativeMemoryTuning}) it runs under ({@code bin/phalanx} sets them), or Phalanx's
 * defaults where it runs without them. A setting the user configured is left alone.
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
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put(OneDnnPaddingGuard.VARIABLE, OneDnnPaddingGuard.VALUE);
        defaults.putAll(NativeMemoryTuning.settings());
        Map<String, String> settings = new LinkedHashMap<>();
        defaults.forEach((variable, fallback) -> {
            String key = "spark.executorEnv." + variable;
            if (!configured.test(key)) {
                String value = environment.get(variable);
                settings.put(key, value == null || value.isBlank() ? fallback : value);
            }
        });
        return settings;
    }
}
