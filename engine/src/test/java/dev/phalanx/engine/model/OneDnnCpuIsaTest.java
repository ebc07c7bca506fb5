package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.models.InputSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OneDnnCpuIsaTest {

    private static final String AVX512_FLAGS = "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw";
    private static final String AVX2_FLAGS = "fpu sse2 avx avx2 fma";
    private static final List<Integer> PADDED = List.of(4, 8);

    @Test
    void anAvx512CpuWithoutACapGetsAdviceNamingTheVariableAndTheExecutorSetting() {
        String advice = OneDnnCpuIsa.advice(Map.of(), AVX512_FLAGS, List.of()).orElseThrow();
        assertTrue(advice.contains("ONEDNN_MAX_CPU_ISA=AVX2"), advice);
        assertTrue(advice.contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA=AVX2"), advice);
    }

    @Test
    void aCapUnderEitherNameSilencesTheAdvice() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"), AVX512_FLAGS, PADDED));
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("DNNL_MAX_CPU_ISA", "AVX2"), AVX512_FLAGS, PADDED));
    }

    @Test
    void aCapThatStillAllowsAvx512IsFlaggedOnlyForPaddedFilterCounts() {
        String advice = OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"), AVX512_FLAGS, PADDED).orElseThrow();
        assertTrue(advice.startsWith("ONEDNN_MAX_CPU_ISA=ALL lets PyTorch's convolutions run on oneDNN's AVX-512"),
                advice);
        assertTrue(advice.contains("([4, 8] filters)"), advice);
        assertTrue(advice.contains("set ONEDNN_MAX_CPU_ISA=AVX2"), advice);
        assertTrue(OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "avx512_core"), AVX512_FLAGS, PADDED).isPresent());
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"), AVX512_FLAGS, List.of()),
                "filter counts that are multiples of 16 were not seen to fail: the user's choice stands");
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "ALL"), AVX2_FLAGS, PADDED));
    }

    @Test
    void aBlankCapDoesNotCount() {
        assertTrue(OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", " "), AVX512_FLAGS, List.of()).isPresent());
    }

    @Test
    void aCpuWithoutAvx512NeedsNothing() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), AVX2_FLAGS, PADDED));
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), "", PADDED));
    }

    @Test
    void anotherAvx512ExtensionAloneIsNotMistakenForTheFoundation() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), AVX2_FLAGS + " xavx512fx", PADDED));
    }

    @Test
    void theTestsRunUnderTheCapThePomSets() {
        // The Surefire and Failsafe configurations set it; without it the ResNet tests fail at random.
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(PADDED));
    }

    @Test
    void resNetAndTheCnnHaveConvolutionsAndTheMlpHasNone() {
        InputSpec images = new InputSpec(new long[] {1, 12, 12}, 3);
        try (ModelReplica resnet = ModelReplica.initialised("resnet(width=4)", images, 1);
                ModelReplica cnn = ModelReplica.initialised("cnn(filters=4, dense=8)", images, 1);
                ModelReplica mlp = ModelReplica.initialised("mlp", new InputSpec(new long[] {16}, 3), 1);
                ModelReplica defaultCnn = ModelReplica.initialised("cnn", images, 1)) {
            assertTrue(resnet.hasConvolutions());
            assertTrue(cnn.hasConvolutions());
            assertFalse(mlp.hasConvolutions());
            assertEquals(List.of(4, 8), cnn.paddedConvolutionFilters());
            assertEquals(List.of(4, 8), resnet.paddedConvolutionFilters(), "widths 4, 8, 16, 32: the first two padded");
            assertEquals(List.of(), mlp.paddedConvolutionFilters());
            assertEquals(List.of(), defaultCnn.paddedConvolutionFilters(), "32 and 64 filters");
        }
    }
}
