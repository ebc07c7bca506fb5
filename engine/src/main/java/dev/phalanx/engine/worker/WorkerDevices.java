package dev.phalanx.engine.worker;

import ai.djl.Device;
import dev.phalanx.engine.job.DeviceUnavailableException;
import dev.phalanx.engine.model.TensorTransfer;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The devices one worker trains on, decided from the GPU addresses Spark assigned to its task.
 *
 * @param rank the worker's rank
 * @param host the executor's host
 * @param gpuAddresses the addresses of Spark's {@code gpu} resource given to the task; empty for a CPU job
 * @param requested the DJL devices those addresses name, for example {@code gpu(1)}
 * @param devices the devices actually used: {@code requested}, or the CPU after an allowed fallback
 * @param fellBack whether GPUs were requested but the worker trains on the CPU
 */
public record WorkerDevices(int rank, String host, List<String> gpuAddresses, List<Device> requested,
        List<Device> devices, boolean fellBack) {

    private static final Logger LOG = Logger.getLogger(WorkerDevices.class.getName());

    /**
     * Decides a worker's devices.
     *
     * @param gpusPerWorker GPUs the job asked for per worker; 0 for a CPU job
     * @param gpuAddresses what Spark assigned to the task (its {@code TaskContext} resources)
     * @param fallbackToCpu whether training on the CPU is allowed when no CUDA device is visible
     * @param cudaDevices how many CUDA devices DJL's PyTorch engine sees in this process
     * @throws DeviceUnavailableException naming the rank, its addresses and the devices asked for
     */
    public static WorkerDevices resolve(int rank, String host, int gpusPerWorker, List<String> gpuAddresses,
            boolean fallbackToCpu, int cudaDevices) {
        if (gpusPerWorker == 0) {
            return new WorkerDevices(rank, host, List.of(), List.of(), List.of(Device.cpu()), false);
        }
        if (gpuAddresses.size() != gpusPerWorker) {
            throw new DeviceUnavailableException("rank " + rank + " on " + host + " was given Spark GPU addresses "
                    + gpuAddresses + " but gpus_per_worker = " + gpusPerWorker
                    + "; the barrier stage's GPU request did not reach this task");
        }
        List<Device> requested = new ArrayList<>();
        for (String address : gpuAddresses) {
            requested.add(Device.gpu(parse(rank, host, address)));
        }
        String unusable = null;
        if (cudaDevices == 0) {
            unusable = "DJL's PyTorch engine sees no CUDA device on " + host
                    + " (CPU-only PyTorch natives, or no GPU driver)";
        } else {
            for (Device device : requested) {
                if (device.getDeviceId() >= cudaDevices) {
                    unusable = "DJL's PyTorch engine sees only " + cudaDevices + " CUDA device(s) on " + host
                            + " (check CUDA_VISIBLE_DEVICES and the discovery script)";
                }
            }
        }
        String asked = "rank " + rank + " was given Spark GPU address(es) " + gpuAddresses + " and asked DJL for "
                + names(requested);
        if (unusable == null) {
            return new WorkerDevices(rank, host, List.copyOf(gpuAddresses), List.copyOf(requested),
                    List.copyOf(requested), false);
        }
        if (!fallbackToCpu) {
            throw new DeviceUnavailableException(asked + ", but " + unusable + "; put CUDA-enabled PyTorch natives on"
                    + " the executors (PYTORCH_LIBRARY_PATH, see README), or set gpu_fallback_to_cpu = true to train"
                    + " on the CPU");
        }
        LOG.warning(asked + ", but " + unusable + "; training on the CPU because gpu_fallback_to_cpu = true");
        return new WorkerDevices(rank, host, List.copyOf(gpuAddresses), List.copyOf(requested),
                List.of(Device.cpu()), true);
    }

    private static int parse(int rank, String host, String address) {
        try {
            int id = Integer.parseInt(address.trim());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // Reported below with the rank and host.
        }
        throw new DeviceUnavailableException("rank " + rank + " on " + host + " was given Spark GPU address '"
                + address + "', not a CUDA device index; the GPU discovery script must print indices such as \"0\"");
    }

    private static String names(List<Device> devices) {
        return String.join(", ", devices.stream().map(Device::toString).toList());
    }

    /** Returns how the worker's tensors meet the host buffers on these devices. */
    public TensorTransfer transfer() {
        return TensorTransfer.forDevice(devices.get(0));
    }

    /**
     * Returns one line for the driver's log, for example {@code rank 1 on host-a: Spark GPU
     * address(es) [1] -> gpu(1)}.
     */
    public String describe() {
        if (gpuAddresses.isEmpty()) {
            return "rank " + rank + " on " + host + ": " + names(devices);
        }
        return "rank " + rank + " on " + host + ": Spark GPU address(es) " + gpuAddresses + " -> asked DJL for "
                + names(requested) + (fellBack ? "; no usable CUDA device, fell back to " + names(devices) : "");
    }
}
