package dev.phalanx.engine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.phalanx.engine.job.DeviceUnavailableException;
import dev.phalanx.engine.model.TensorTransfer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a worker turns the GPU addresses Spark gave its task into DJL devices. */
class WorkerDevicesTest {

    @Test
    void aCpuJobTrainsOnTheCpuInPlace() {
        WorkerDevices cpu = WorkerDevices.resolve(0, "h", 0, List.of(), false, 0);
        assertEquals(List.of(Device.cpu()), cpu.devices());
        assertEquals(TensorTransfer.IN_PLACE, cpu.transfer());
        assertEquals("rank 0 on h: cpu()", cpu.describe());
    }

    @Test
    void theAssignedAddressesAreTheDevicesAskedFor() {
        WorkerDevices gpus = WorkerDevices.resolve(1, "h", 2, List.of("3", "1"), false, 4);
        assertEquals(List.of(Device.gpu(3), Device.gpu(1)), gpus.devices());
        assertEquals(TensorTransfer.ON_DEVICE, gpus.transfer());
        assertFalse(gpus.fellBack());
        assertEquals("rank 1 on h: Spark GPU address(es) [3, 1] -> asked DJL for gpu(3), gpu(1)", gpus.describe());
    }

    @Test
    void noCudaFailsNamingTheRankTheAddressesAndTheDevices() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> WorkerDevices.resolve(2, "h", 1, List.of("1"), false, 0));
        assertTrue(e.getMessage().startsWith("rank 2 was given Spark GPU address(es) [1] and asked DJL for gpu(1),"
                + " but DJL's PyTorch engine sees no CUDA device on h"), e.getMessage());
        assertTrue(e.getMessage().contains("gpu_fallback_to_cpu"), e.getMessage());
    }

    @Test
    void anAddressBeyondTheVisibleDevicesFails() {
        DeviceUnavailableException e = assertThrows(DeviceUnavailableException.class,
                () -> WorkerDevices.resolve(0, "h", 1, List.of("2"), false, 2));
        assertTrue(e.getMessage().contains("sees only 2 CUDA device(s) on h"), e.getMessage());
    }

    @Test
    void theFallbackTrainsOnTheCpuAndSaysSo() {
        WorkerDevices fallback = WorkerDevices.resolve(0, "h", 1, List.of("0"), true, 0);
        assertEquals(List.of(Device.cpu()), fallback.devices());
        assertEquals(List.of(Device.gpu(0)), fallback.requested());
        assertTrue(fallback.fellBack());
        assertEquals(TensorTransfer.IN_PLACE, fallback.transfer());
        assertEquals("rank 0 on h: Spark GPU address(es) [0] -> asked DJL for gpu(0); no usable CUDA device,"
                + " fell back to cpu()", fallback.describe());
    }

    @Test
    void missingOrMalformedAddressesFail() {
        DeviceUnavailableException missing = assertThrows(DeviceUnavailableException.class,
                () -> WorkerDevices.resolve(0, "h", 1, List.of(), true, 1));
        assertTrue(missing.getMessage().contains("gpus_per_worker = 1"), missing.getMessage());
        DeviceUnavailableException malformed = assertThrows(DeviceUnavailableException.class,
                () -> WorkerDevices.resolve(0, "h", 1, List.of("GPU-5f2a"), true, 1));
        assertTrue(malformed.getMessage().contains("'GPU-5f2a', not a CUDA device index"), malformed.getMessage());
    }
}
