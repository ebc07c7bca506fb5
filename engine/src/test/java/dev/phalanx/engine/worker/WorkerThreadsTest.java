package dev.phalanx.engine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WorkerThreadsTest {

    @Test
    void unsetThreadsFollowTheTasksCpus() {
        assertEquals(4, WorkerThreads.resolve(0, 4));
        assertEquals(1, WorkerThreads.resolve(0, 1));
        assertEquals(1, WorkerThreads.resolve(0, 0), "a task always computes with at least one thread");
    }

    @Test
    void aConfiguredCountWins() {
        assertEquals(3, WorkerThreads.resolve(3, 4));
        assertEquals(8, WorkerThreads.resolve(8, 2));
    }

    @Test
    void theLogLineSaysWhereTheCountCameFrom() {
        assertEquals("rank 1: 2 PyTorch intra-op threads (the task's CPUs, spark.task.cpus)",
                WorkerThreads.describe(1, 2, 0));
        assertEquals("rank 0: 1 PyTorch intra-op thread (threads_per_worker)", WorkerThreads.describe(0, 1, 1));
    }
}
