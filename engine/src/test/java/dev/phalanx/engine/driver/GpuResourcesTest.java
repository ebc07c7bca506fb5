package dev.phalanx.engine.driver;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** The GPU preflight on real Spark configurations: which masters can serve a GPU job. */
class GpuResourcesTest {

    @Test
    void aCpuJobPassesAnywhere() {
        assertDoesNotThrow(() -> GpuResources.preflight(new SparkConf(), "local[2]", 0));
    }

    @Test
    void localModeIsRefusedNamingWhatToConfigure() {
        for (String master : new String[] {"local", "local[2]", "local[*]", "local[2,3]"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GpuResources.preflight(new SparkConf(), master, 1));
            assertTrue(e.getMessage().startsWith("gpus_per_worker = 1 but Spark master '" + master
                    + "' cannot offer GPUs"), e.getMessage());
            assertTrue(e.getMessage().contains("spark.executor.resource.gpu.amount"), e.getMessage());
            assertTrue(e.getMessage().contains("spark.worker.resource.gpu.discoveryScript"), e.getMessage());
        }
    }

    @Test
    void aClusterWhoseExecutorsHaveTooFewGpusIsRefused() {
        IllegalArgumentException unset = assertThrows(IllegalArgumentException.class,
                () -> GpuResources.preflight(new SparkConf(), "spark://m:7077", 1));
        assertTrue(unset.getMessage().contains("starts executors with spark.executor.resource.gpu.amount = unset (0)"),
                unset.getMessage());
        SparkConf one = new SparkConf().set("spark.executor.resource.gpu.amount", "1");
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> GpuResources.preflight(one, "local-cluster[1,2,1024]", 2));
        assertTrue(few.getMessage().startsWith("gpus_per_worker = 2 but Spark master 'local-cluster[1,2,1024]' starts"
                + " executors with spark.executor.resource.gpu.amount = 1;"), few.getMessage());
        assertDoesNotThrow(() -> GpuResources.preflight(one, "yarn", 1));
    }
}
