package dev.phalanx.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.models.InputSpec;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OneDnnCpuIsaTest {

    private static final String AVX512_FLAGS = "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw";
    private static final String AVX2_FLAGS = "fpu sse2 avx avx2 fma";

    @Test
    void anAvx512CpuWithoutACapGetsAdviceNamingTheVariableAndTheExecutorSetting() {
        String advice = OneDnnCpuIsa.advice(Map.of(), AVX512_FLAGS).orElseThrow();
        assertTrue(advice.contains("ONEDNN_MAX_CPU_ISA=AVX2"), advice);
        assertTrue(advice.contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA=AVX2"), advice);
    }

    @Test
    void aCapUnderEitherNameSilencesTheAdvice() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"), AVX512_FLAGS));
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of("DNNL_MAX_CPU_ISA", "AVX2"), AVX512_FLAGS));
    }

    @Test
    void aBlankCapDoesNotCount() {
        assertTrue(OneDnnCpuIsa.advice(Map.of("ONEDNN_MAX_CPU_ISA", " "), AVX512_FLAGS).isPresent());
    }

    @Test
    void aCpuWithoutAvx512NeedsNothing() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), AVX2_FLAGS));
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), ""));
    }

    @Test
    void anotherAvx512ExtensionAloneIsNotMistakenForTheFoundation() {
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice(Map.of(), AVX2_FLAGS + " xavx512fx"));
    }

    @Test
    void theTestsRunUnderTheCapThePomSets() {
        // The Surefire and Failsafe configurations set it; without it the ResNet tests fail at random.
        assertEquals(Optional.empty(), OneDnnCpuIsa.advice());
    }

    @Test
    void resNetAndTheCnnHaveConvolutionsAndTheMlpHasNone() {
        InputSpec images = new InputSpec(new long[] {1, 12, 12}, 3);
        try (ModelReplica resnet = ModelReplica.initialised("resnet(width=4)", images, 1);
                ModelReplica cnn = ModelReplica.initialised("cnn(filters=4, dense=8)", images, 1);
                ModelReplica mlp = ModelReplica.initialised("mlp", new InputSpec(new long[] {16}, 3), 1)) {
            assertTrue(resnet.hasConvolutions());
            assertTrue(cnn.hasConvolutions());
            assertFalse(mlp.hasConvolutions());
        }
    }
}
