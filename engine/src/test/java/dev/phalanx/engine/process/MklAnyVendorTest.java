package dev.phalanx.engine.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.phalanx.engine.model.PyTorchEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The oneMKL library's preload: found in the loader's variable, advised where missing, loaded in tests, correct. */
class MklAnyVendorTest {

    private static final String LIBRARY_PATH = "/opt/phalanx/engine/target/native/libphalanx-mkl-any-vendor.so";

    @Test
    void theLibraryIsFoundAmongOtherPreloads() {
        assertEquals(Optional.of(LIBRARY_PATH), MklAnyVendor.preloadEntry("/usr/lib/libjemalloc.so:" + LIBRARY_PATH));
        assertEquals(Optional.of(LIBRARY_PATH), MklAnyVendor.preloadEntry(LIBRARY_PATH + " /usr/lib/libjemalloc.so"));
        assertEquals(Optional.empty(), MklAnyVendor.preloadEntry("/usr/lib/libjemalloc.so"));
        assertEquals(Optional.empty(), MklAnyVendor.preloadEntry("/opt/x/not-libphalanx-mkl-any-vendor.so"));
        assertEquals(Optional.empty(), MklAnyVendor.preloadEntry(null));
    }

    @Test
    void onlyACpuThatIsNotIntelsWithoutTheLibraryGetsAdvice() {
        String advice = MklAnyVendor.advice("AuthenticAMD", Map.of()).orElseThrow();
        assertTrue(advice.contains("AuthenticAMD"), advice);
        assertTrue(advice.contains("set LD_PRELOAD to engine/target/native/libphalanx-mkl-any-vendor.so"), advice);
        assertTrue(advice.contains("spark.executorEnv.LD_PRELOAD"), advice);
        assertEquals(Optional.empty(), MklAnyVendor.advice("AuthenticAMD", Map.of("LD_PRELOAD", LIBRARY_PATH)));
        assertEquals(Optional.empty(), MklAnyVendor.advice("GenuineIntel", Map.of()));
        assertEquals(Optional.empty(), MklAnyVendor.advice("", Map.of()), "an unknown vendor gets no guess");
    }

    @Test
    void theVendorIsReadFromCpuinfo(@TempDir Path dir) throws IOException {
        Path cpuinfo = Files.writeString(dir.resolve("cpuinfo"), "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\n");
        assertEquals("AuthenticAMD", MklAnyVendor.cpuVendor(cpuinfo));
        assertEquals("", MklAnyVendor.cpuVendor(Files.writeString(dir.resolve("arm"), "processor\t: 0\nBogoMIPS\t: 50\n")));
        assertEquals("", MklAnyVendor.cpuVendor(dir.resolve("missing")));
    }

    @Test
    void theTestRunnerPreloadsTheLibraryTheBuildMade() throws IOException {
        // The pom's LD_PRELOAD names engine/target/native; a wrong path is only a loader warning, so check the mapping.
        assertTrue(Files.readString(Path.of("/proc/self/maps")).contains("/" + MklAnyVendor.LIBRARY),
                "this JVM runs without " + MklAnyVendor.LIBRARY + "; LD_PRELOAD=" + System.getenv("LD_PRELOAD"));
    }

    @Test
    void matrixProductsUnderThePreloadAgreeWithAPlainProduct() {
        // The MLP's first layer: 64 x 784 times 784 x 256, the product whose kernels the library changes.
        int rows = 64;
        int inner = 784;
        int columns = 256;
        Random random = new Random(7);
        float[] left = new float[rows * inner];
        float[] right = new float[inner * columns];
        for (int i = 0; i < left.length; i++) {
            left[i] = random.nextFloat() - 0.5f;
        }
        for (int i = 0; i < right.length; i++) {
            right[i] = random.nextFloat() - 0.5f;
        }
        float[] product;
        try (NDManager manager = PyTorchEngine.get().newBaseManager(Device.cpu())) {
            NDArray a = manager.create(left, new Shape(rows, inner));
            NDArray b = manager.create(right, new Shape(inner, columns));
            product = a.matMul(b).toFloatArray();
        }
        double worst = 0;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c++) {
                double expected = 0;
                double scale = 0;
                for (int k = 0; k < inner; k++) {
                    expected += (double) left[r * inner + k] * right[k * columns + c];
                    scale += Math.abs((double) left[r * inner + k] * right[k * columns + c]);
                }
                worst = Math.max(worst, Math.abs(product[r * columns + c] - expected) / scale);
            }
        }
        // Float sums of 784 terms in any order stay within a few units in the last place of the terms' scale.
        assertTrue(worst < 1e-5, "largest error relative to the sum of magnitudes: " + worst);
    }
}
