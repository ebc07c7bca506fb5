package dev.phalanx.engine.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class NativeMemoryTuningTest {

    @Test
    void withoutTheSettingsTheAdviceNamesEveryVariableItsValueAndTheExecutorSettings() {
        String advice = NativeMemoryTuning.advice(Map.of()).orElseThrow();
        assertTrue(advice.contains("MALLOC_MMAP_THRESHOLD_=33554432"), advice);
        assertTrue(advice.contains("MALLOC_TRIM_THRESHOLD_=134217728"), advice);
        assertTrue(advice.contains("MALLOC_TOP_PAD_=67108864"), advice);
        assertTrue(advice.contains("spark.executorEnv.MALLOC_MMAP_THRESHOLD_"), advice);
        assertTrue(advice.contains("spark.executorEnv.MALLOC_TRIM_THRESHOLD_"), advice);
        assertTrue(advice.contains("spark.executorEnv.MALLOC_TOP_PAD_"), advice);
    }

    @Test
    void theThresholdsWithoutTheTopPadStillGetAdvice() {
        assertTrue(NativeMemoryTuning.advice(Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
                "MALLOC_TRIM_THRESHOLD_", "134217728")).isPresent());
    }

    @Test
    void oneThresholdAloneIsNotEnoughBecauseItTurnsOffGlibcsAdjustmentOfTheOther() {
        assertTrue(NativeMemoryTuning.advice(Map.of("MALLOC_MMAP_THRESHOLD_", "33554432")).isPresent());
        assertTrue(NativeMemoryTuning.advice(Map.of("MALLOC_TRIM_THRESHOLD_", "134217728")).isPresent());
        assertTrue(NativeMemoryTuning.advice(Map.of("MALLOC_MMAP_THRESHOLD_", "33554432", "MALLOC_TRIM_THRESHOLD_", " "))
                .isPresent());
    }

    @Test
    void allThreeSetEitherWayNeedNoAdvice() {
        assertEquals(Optional.empty(), NativeMemoryTuning.advice(NativeMemoryTuning.settings()));
        assertEquals(Optional.empty(), NativeMemoryTuning.advice(Map.of("GLIBC_TUNABLES",
                "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728:glibc.malloc.top_pad=67108864")));
        assertEquals(Optional.empty(), NativeMemoryTuning.advice(Map.of("MALLOC_MMAP_THRESHOLD_", "33554432",
                "MALLOC_TOP_PAD_", "67108864", "GLIBC_TUNABLES", "glibc.malloc.trim_threshold=134217728")));
    }

    @Test
    void theTestsRunUnderTheThresholdsThePomSets() {
        // The Surefire and Failsafe configurations set all three; without them the model tests run 2-3x slower.
        assertEquals(Optional.empty(), NativeMemoryTuning.advice());
    }
}
