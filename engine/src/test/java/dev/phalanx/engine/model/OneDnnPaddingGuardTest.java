package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a worker training a convolutional model is told to set the fill and turn off the thread cache. */
class OneDnnPaddingGuardTest {

    private static final String NO_CACHE = "glibc.malloc.tcache_count=0";

    @Test
    void withNeitherTheAdviceNamesBothAndTheirExecutorKeys() {
        String advice = OneDnnPaddingGuard.advice(Map.of()).orElseThrow();
        assertTrue(advice.contains("set MALLOC_PERTURB_=1 and GLIBC_TUNABLES with " + NO_CACHE + " "), advice);
        assertTrue(advice.contains("spark.executorEnv.MALLOC_PERTURB_, spark.executorEnv.GLIBC_TUNABLES"), advice);
        assertTrue(advice.contains("NaN gradients"), advice);
    }

    @Test
    void anyNonZeroByteWithTheCacheOffGuards() {
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "1", "GLIBC_TUNABLES", NO_CACHE)));
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(
                Map.of("MALLOC_PERTURB_", "165", "GLIBC_TUNABLES", "glibc.malloc.top_pad=67108864:" + NO_CACHE)));
    }

    @Test
    void theFillAloneStillGetsAdviceAboutTheCacheOnly() {
        String advice = OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "1")).orElseThrow();
        assertTrue(advice.contains("set GLIBC_TUNABLES with " + NO_CACHE + " "), advice);
        assertFalse(advice.contains("MALLOC_PERTURB_"), advice);
        assertTrue(OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "1", "GLIBC_TUNABLES", "glibc.malloc.tcache_count=7"))
                .isPresent(), "a cache of 7 blocks still skips the fill");
    }

    @Test
    void zeroOrBlankIsGlibcsDefaultAndStillGetsAdvice() {
        assertTrue(OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "0", "GLIBC_TUNABLES", NO_CACHE)).isPresent());
        assertTrue(OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", " ", "GLIBC_TUNABLES", NO_CACHE)).isPresent());
    }

    @Test
    void thePerturbTunableCountsAsTheFill() {
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(
                Map.of("GLIBC_TUNABLES", "glibc.malloc.perturb=1:" + NO_CACHE)));
    }

    @Test
    void tunablesKeepWhatIsSetAndAddTheCacheSetting() {
        assertEquals(NO_CACHE, OneDnnPaddingGuard.tunables(null));
        assertEquals(NO_CACHE, OneDnnPaddingGuard.tunables(" "));
        assertEquals("glibc.malloc.top_pad=1:" + NO_CACHE, OneDnnPaddingGuard.tunables("glibc.malloc.top_pad=1"));
        assertEquals("glibc.malloc.tcache_count=7", OneDnnPaddingGuard.tunables("glibc.malloc.tcache_count=7"),
                "a cache size the user chose is left alone");
    }
}
