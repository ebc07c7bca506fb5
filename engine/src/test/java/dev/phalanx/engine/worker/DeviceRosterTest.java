package dev.phalanx.engine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.Communicators;
import dev.phalanx.engine.collective.InMemoryRendezvous;
import dev.phalanx.engine.job.DeviceUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two ranks over real loopback connections exchange their devices; sharing a GPU on one host is refused. */
class DeviceRosterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private final ExecutorService pool = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    @Test
    void everyRankGetsEveryRanksDevicesInRankOrder() throws Exception {
        List<Object> results = gather(List.of(
                WorkerDevices.resolve(0, "a", 1, List.of("0"), true, 0),
                WorkerDevices.resolve(1, "a", 1, List.of("1"), true, 0)));
        for (Object result : results) {
            assertEquals(List.of(
                    "rank 0 on a: Spark GPU address(es) [0] -> asked DJL for gpu(0); no usable CUDA device, fell back to cpu()",
                    "rank 1 on a: Spark GPU address(es) [1] -> asked DJL for gpu(1); no usable CUDA device, fell back to cpu()"),
                    result);
        }
    }

    @Test
    void theSameAddressOnDifferentHostsIsFine() throws Exception {
        List<Object> results = gather(List.of(
                WorkerDevices.resolve(0, "a", 1, List.of("0"), true, 0),
                WorkerDevices.resolve(1, "b", 1, List.of("0"), true, 0)));
        assertTrue(results.get(0) instanceof List<?>, String.valueOf(results.get(0)));
    }

    @Test
    void twoRanksGivenTheSameGpuOnOneHostBothFailNamingBoth() throws Exception {
        List<Object> results = gather(List.of(
                WorkerDevices.resolve(0, "a", 1, List.of("0"), true, 0),
                WorkerDevices.resolve(1, "a", 1, List.of("0"), true, 0)));
        for (Object result : results) {
            assertTrue(result instanceof DeviceUnavailableException, String.valueOf(result));
            assertTrue(((Exception) result).getMessage().startsWith(
                    "ranks 0 and 1 on a were both given GPU address 0; two workers must never share a GPU"),
                    ((Exception) result).getMessage());
        }
    }

    @Test
    void theSameAddressOnOneHostIsFineWhenCudaVisibleDevicesGivesEachExecutorItsOwnGpu() throws Exception {
        List<Object> results = gather(List.of(
                WorkerDevices.resolve(0, "a", 1, List.of("0"), true, 0),
                WorkerDevices.resolve(1, "a", 1, List.of("0"), true, 0)), List.of("2,3", "GPU-1f2e"));
        assertTrue(results.get(0) instanceof List<?>, String.valueOf(results.get(0)));
        assertTrue(results.get(1) instanceof List<?>, String.valueOf(results.get(1)));
    }

    @Test
    void twoExecutorsWhoseCudaVisibleDevicesNameTheSameGpuAreRefused() throws Exception {
        List<Object> results = gather(List.of(
                WorkerDevices.resolve(0, "a", 1, List.of("1"), true, 0),
                WorkerDevices.resolve(1, "a", 1, List.of("0"), true, 0)), List.of("0,3", "3"));
        for (Object result : results) {
            assertTrue(result instanceof DeviceUnavailableException, String.valueOf(result));
            assertTrue(((Exception) result).getMessage().startsWith("ranks 0 and 1 on a were given GPU addresses 1 and 0"
                    + " (CUDA_VISIBLE_DEVICES device 3 for both); two workers must never share a GPU"),
                    ((Exception) result).getMessage());
        }
    }

    private List<Object> gather(List<WorkerDevices> ranks) throws Exception {
        List<String> unset = new ArrayList<>();
        ranks.forEach(rank -> unset.add(null));
        return gather(ranks, unset);
    }

    /**
     * Runs {@link DeviceRoster#gather} on every rank, each with its {@code CUDA_VISIBLE_DEVICES};
     * returns each rank's lines or its exception.
     */
    private List<Object> gather(List<WorkerDevices> ranks, List<String> visibleDevices) throws Exception {
        InMemoryRendezvous rendezvous = new InMemoryRendezvous(ranks.size(), TIMEOUT);
        List<Future<Object>> futures = new ArrayList<>();
        for (WorkerDevices mine : ranks) {
            futures.add(pool.submit(() -> {
                try (Communicator comm = Communicators.connect(mine.rank(), ranks.size(),
                        rendezvous.forRank(mine.rank()), "127.0.0.1", new CollectiveOptions(TIMEOUT, "roster"))) {
                    return DeviceRoster.gather(comm, mine, visibleDevices.get(mine.rank()));
                } catch (DeviceUnavailableException e) {
                    return e;
                }
            }));
        }
        List<Object> results = new ArrayList<>();
        for (Future<Object> future : futures) {
            results.add(future.get(TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS));
        }
        return results;
    }
}
