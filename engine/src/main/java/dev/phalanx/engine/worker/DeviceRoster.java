package dev.phalanx.engine.worker;

import dev.phalanx.engine.collective.Communicator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Every rank's devices, exchanged once at the start. It also enforces that two workers never share
 * a GPU: Spark hands out a GPU address to one task at a time per executor, but two executors on one
 * host whose discovery scripts both report every GPU would each hand out {@code "0"}.
 */
final class DeviceRoster {

    private DeviceRoster() {}

    /**
     * Exchanges {@code mine} with every rank (one all-gather, made by every rank on every path) and
     * returns every rank's {@link WorkerDevices#describe()} line, in rank order.
     *
     * @throws DeviceUnavailableException on every rank alike when two ranks on one host hold the same GPU
     */
    static List<String> gather(Communicator comm, WorkerDevices mine) {
        String entry = mine.host() + "\n" + String.join(",", mine.gpuAddresses()) + "\n" + mine.describe();
        byte[][] all = comm.allGather(entry.getBytes(StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        Map<String, Integer> holders = new HashMap<>();
        for (int rank = 0; rank < all.length; rank++) {
            String[] fields = new String(all[rank], StandardCharsets.UTF_8).split("\n", 3);
            for (String address : fields[1].isEmpty() ? new String[0] : fields[1].split(",")) {
                Integer other = holders.putIfAbsent(fields[0] + " gpu " + address, rank);
                if (other != null) {
                    throw new DeviceUnavailableException("ranks " + other + " and " + rank + " on " + fields[0]
                            + " were both given GPU address " + address + "; two workers must never share a GPU."
                            + " Each Spark worker on a host must discover only its own GPUs"
                            + " (spark.worker.resource.gpu.discoveryScript)");
                }
            }
            lines.add(fields[2]);
        }
        return List.copyOf(lines);
    }
}
