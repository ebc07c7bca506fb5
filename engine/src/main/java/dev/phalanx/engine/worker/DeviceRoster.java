package dev.phalanx.engine.worker;

import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.job.DeviceUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every rank's devices, exchanged once at the start. It also enforces that two workers never share
 * a GPU: Spark hands out a GPU address to one task at a time per executor, but two executors on one
 * host whose discovery scripts both report every GPU would each hand out {@code "0"}. Addresses are
 * compared as the physical devices they name: an executor started with {@code CUDA_VISIBLE_DEVICES}
 * sees its GPUs renumbered from 0, so address {@code "0"} of two such executors can be two GPUs.
 */
final class DeviceRoster {

    private static final String VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";

    private DeviceRoster() {}

    /**
     * Exchanges {@code mine} with every rank (one all-gather, made by every rank on every path) and
     * returns every rank's {@link WorkerDevices#describe()} line, in rank order.
     *
     * @throws DeviceUnavailableException on every rank alike when two ranks on one host hold the same GPU
     */
    static List<String> gather(Communicator comm, WorkerDevices mine) {
        return gather(comm, mine, System.getenv(VISIBLE_DEVICES));
    }

    /** As above, with this process's {@code CUDA_VISIBLE_DEVICES} given (null when unset). */
    static List<String> gather(Communicator comm, WorkerDevices mine, String visibleDevices) {
        List<String> physical = mine.gpuAddresses().stream().map(address -> physical(address, visibleDevices)).toList();
        String entry = mine.host() + "\n" + String.join(",", mine.gpuAddresses()) + "\n" + String.join(",", physical)
                + "\n" + mine.describe();
        byte[][] all = comm.allGather(entry.getBytes(StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        Map<String, Holder> holders = new HashMap<>();
        for (int rank = 0; rank < all.length; rank++) {
            String[] fields = new String(all[rank], StandardCharsets.UTF_8).split("\n", 4);
            String[] addresses = fields[1].isEmpty() ? new String[0] : fields[1].split(",");
            String[] devices = fields[2].isEmpty() ? new String[0] : fields[2].split(",");
            for (int i = 0; i < addresses.length; i++) {
                Holder other = holders.putIfAbsent(fields[0] + " gpu " + devices[i], new Holder(rank, addresses[i]));
                if (other != null) {
                    String given = other.address().equals(addresses[i]) ? "were both given GPU address " + addresses[i]
                            : "were given GPU addresses " + other.address() + " and " + addresses[i];
                    String device = devices[i].equals(addresses[i]) ? "" : " (" + VISIBLE_DEVICES + " device "
                            + devices[i] + " for both)";
                    throw new DeviceUnavailableException("ranks " + other.rank() + " and " + rank + " on " + fields[0]
                            + " " + given + device + "; two workers must never share a GPU. Each Spark worker on a host"
                            + " must discover only its own GPUs (spark.worker.resource.gpu.discoveryScript)");
                }
            }
            lines.add(fields[3]);
        }
        return List.copyOf(lines);
    }

    /** Which rank holds a device, under which address. */
    private record Holder(int rank, String address) {}

    /** The device that {@code address} names once {@code CUDA_VISIBLE_DEVICES} (an index or UUID list) is applied. */
    private static String physical(String address, String visibleDevices) {
        if (visibleDevices == null || visibleDevices.isBlank()) {
            return address;
        }
        String[] visible = visibleDevices.split(",");
        try {
            int index = Integer.parseInt(address.trim());
            if (index >= 0 && index < visible.length) {
                return visible[index].trim();
            }
        } catch (NumberFormatException e) {
            // WorkerDevices has refused such an address already; compare it as it is.
        }
        return address;
    }
}
