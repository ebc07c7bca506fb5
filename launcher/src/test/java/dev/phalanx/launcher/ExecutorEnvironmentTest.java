package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExecutorEnvironmentTest {

    @Test
    void withoutTheVariablesHereExecutorsGetPhalanxsDefaults() {
        assertEquals(Map.of(
                        "spark.executorEnv.GLIBC_TUNABLES", "glibc.malloc.tcache_count=0",
                        "spark.executorEnv.MALLOC_MMAP_THRESHOLD_", "33554432",
                        "spark.executorEnv.MALLOC_TRIM_THRESHOLD_", "134217728",
                        "spark.executorEnv.MALLOC_TOP_PAD_", "67108864"),
                ExecutorEnvironment.settings(key -> false, Map.of()));
    }

    @Test
    void executorsGetTheValuesThisProcessRunsUnder() {
        Map<String, String> settings = ExecutorEnvironment.settings(key -> false,
                Map.of("MALLOC_PERTURB_", "165", "GLIBC_TUNABLES", "glibc.malloc.top_pad=1",
                        "MALLOC_MMAP_THRESHOLD_", "1048576", "MALLOC_TRIM_THRESHOLD_", " "));
        assertEquals("165", settings.get("spark.executorEnv.MALLOC_PERTURB_"), "a fill the user set everywhere");
        assertEquals("glibc.malloc.top_pad=1:glibc.malloc.tcache_count=0", settings.get("spark.executorEnv.GLIBC_TUNABLES"),
                "the process's tunables, with the thread cache turned off");
        assertEquals("1048576", settings.get("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"));
        assertEquals("134217728", settings.get("spark.executorEnv.MALLOC_TRIM_THRESHOLD_"), "a blank value is unset");
    }

    @Test
    void executorsPreloadTheOneMklLibraryFromThePathThisProcessDoes() {
        String library = "/opt/phalanx/engine/target/native/libphalanx-mkl-any-vendor.so";
        assertEquals(library, ExecutorEnvironment.settings(key -> false,
                Map.of("LD_PRELOAD", library + ":/usr/lib/libjemalloc.so")).get("spark.executorEnv.LD_PRELOAD"),
                "only Phalanx's library: the others are this machine's business");
        assertEquals(null, ExecutorEnvironment.settings(key -> false, Map.of("LD_PRELOAD", "/usr/lib/libjemalloc.so"))
                .get("spark.executorEnv.LD_PRELOAD"));
    }

    @Test
    void aSettingTheUserConfiguredIsLeftAlone() {
        Set<String> configured = Set.of("spark.executorEnv.MALLOC_TRIM_THRESHOLD_", "spark.executorEnv.MALLOC_PERTURB_",
                "spark.executorEnv.GLIBC_TUNABLES");
        assertEquals(Map.of("spark.executorEnv.MALLOC_MMAP_THRESHOLD_", "33554432", "spark.executorEnv.MALLOC_TOP_PAD_", "67108864"),
                ExecutorEnvironment.settings(configured::contains, Map.of()));
    }
}
