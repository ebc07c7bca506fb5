package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a worker training a convolutional model is told to set {@code MALLOC_PERTURB_}. */
class OneDnnPaddingGuardTest {

    @Test
    void withoutTheVariableTheAdviceNamesItItsValueAndTheExecutorKey() {
        String advice = OneDnnPaddingGuard.advice(Map.of()).orElseThrow();
        assertTrue(advice.contains("set MALLOC_PERTURB_=1 "), advice);
        assertTrue(advice.contains("spark.executorEnv.MALLOC_PERTURB_=1"), advice);
        assertTrue(advice.contains("NaN gradients"), advice);
    }

    @Test
    void anyNonZeroByteGuards() {
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "1")));
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "165")));
    }

    @Test
    void zeroOrBlankIsGlibcsDefaultAndStillGetsAdvice() {
        assertTrue(OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", "0")).isPresent());
        assertTrue(OneDnnPaddingGuard.advice(Map.of("MALLOC_PERTURB_", " ")).isPresent());
    }

    @Test
    void theTunableCountsAsSet() {
        assertEquals(Optional.empty(), OneDnnPaddingGuard.advice(
                Map.of("GLIBC_TUNABLES", "glibc.malloc.perturb=1:glibc.malloc.top_pad=67108864")));
    }
}
