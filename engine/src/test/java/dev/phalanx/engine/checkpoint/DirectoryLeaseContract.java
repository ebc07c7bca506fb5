package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.DataFingerprint;
import dev.phalanx.engine.optim.OptimizerState;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a {@link DirectoryLease} must give on every file system it is used on: one holder at a
 * time, a refusal naming the holder, a heartbeat that keeps it, the takeover of an abandoned one
 * (by exactly one of several takers), and a release that deletes only its own file. Each subclass
 * runs it against one real file system.
 */
abstract class DirectoryLeaseContract {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private Path dir;
    private FileSystem fs;
    private final List<String> notices = new CopyOnWriteArrayList<>();

    /** Returns a fresh, empty directory URI on the file system under test. */
    abstract String freshDirectory();

    /** Returns the Hadoop configuration that reaches the file system under test. */
    abstract Configuration configuration();

    @BeforeEach
    void openDirectory() throws IOException {
        dir = new Path(freshDirectory() + "/" + UUID.randomUUID());
        FileSystem fileSystem = dir.getFileSystem(configuration());
        // As the lease does: no .crc side files on the local file system.
        fs = fileSystem instanceof LocalFileSystem local ? local.getRaw() : fileSystem;
    }

    private DirectoryLease acquire(String application) {
        return DirectoryLease.acquire(fs, dir, "checkpoint_dir", application, TIMEOUT, notices::add);
    }

    private Path file() {
        return new Path(dir, DirectoryLease.FILE);
    }

    private String content() throws IOException {
        try (InputStream in = fs.open(file())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Leaves a lease as a job that crashed {@code secondsAgo} seconds ago would. */
    private void abandonedLease(String owner, long secondsAgo) throws IOException {
        fs.mkdirs(dir);
        long then = System.currentTimeMillis() - secondsAgo * 1000;
        try (OutputStream out = fs.create(file(), false)) {
            out.write(("{\"owner\":\"" + owner + "\",\"application\":\"app-crashed\",\"token\":\"t-" + owner
                    + "\",\"acquiredMillis\":" + (then - 60_000) + ",\"timeoutMillis\":2000}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        fs.setTimes(file(), then, -1);
    }

    private static boolean heartbeatRunning(DirectoryLease lease) {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals(DirectoryLease.threadName(lease.token())) && t.isAlive());
    }

    /** Whether the lease's heartbeat thread has ended, or ends within a second (its last steps after the pool stops). */
    private static boolean heartbeatEnded(DirectoryLease lease) throws InterruptedException {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals(DirectoryLease.threadName(lease.token()))) {
                thread.join(1000);
                if (thread.isAlive()) {
                    return false;
                }
            }
        }
        return true;
    }

    @Test
    void theLockFileNamesTheHolderAndReleaseDeletesItAndEndsTheHeartbeat() throws Exception {
        DirectoryLease lease = acquire("app-1 (notebook)");
        String content = content();
        assertTrue(content.contains("\"owner\":\"" + System.getProperty("user.name") + "@")
                && content.contains(" pid " + ProcessHandle.current().pid() + "\""), content);
        assertTrue(content.contains("\"application\":\"app-1 (notebook)\""), content);
        assertTrue(heartbeatRunning(lease));
        lease.close();
        assertFalse(fs.exists(file()), "released");
        assertTrue(heartbeatEnded(lease), "the heartbeat thread ends with the lease");
        lease.close();
        try (DirectoryLease again = acquire("app-2")) {
            assertTrue(fs.exists(file()), "a released folder can be leased again");
        }
        assertTrue(notices.isEmpty(), notices.toString());
    }

    @Test
    void aSecondJobIsRefusedInOneLineNamingTheHolderAndNothingChanges() throws IOException {
        try (DirectoryLease first = acquire("app-first (phalanx train mlp)")) {
            String before = content();
            CheckpointException refused = assertThrows(CheckpointException.class, () -> acquire("app-second"));
            String message = refused.getMessage();
            System.out.println("second job: " + message);
            assertTrue(message.startsWith("checkpoint_dir '" + fs.makeQualified(dir) + "' is in use by another job: "
                    + System.getProperty("user.name") + "@"), message);
            assertTrue(message.contains(" pid " + ProcessHandle.current().pid() + " (app-first (phalanx train mlp)),"
                    + " since 20"), message);
            assertTrue(message.contains(", last heartbeat ") && message.contains(" s ago (lease "), message);
            assertTrue(message.endsWith("taken over only after 2s without a heartbeat)"), message);
            assertEquals(1, message.lines().count(), message);
            assertEquals(before, content(), "the holder's lease is untouched");
            first.requireHeld();
        }
    }

    @Test
    void theHeartbeatKeepsTheLeaseFreshPastItsTimeout() throws Exception {
        try (DirectoryLease first = acquire("app-first")) {
            long created = fs.getFileStatus(file()).getModificationTime();
            Thread.sleep(TIMEOUT.toMillis() * 2);
            assertTrue(fs.getFileStatus(file()).getModificationTime() > created, "heartbeats refresh the time");
            assertThrows(CheckpointException.class, () -> acquire("app-second"));
            first.requireHeld();
        }
        assertTrue(notices.isEmpty(), notices.toString());
    }

    @Test
    void anAbandonedLeaseIsTakenOverWithANoticeNamingItsHolder() throws IOException {
        abandonedLease("crashed@elsewhere pid 7", 30);
        try (DirectoryLease taker = acquire("app-retry")) {
            assertTrue(content().contains("app-retry"), content());
            assertEquals(1, notices.size(), notices.toString());
            System.out.println("takeover: " + notices.get(0));
            assertTrue(notices.get(0).startsWith("took over the lease on checkpoint_dir '" + fs.makeQualified(dir)
                    + "' from crashed@elsewhere pid 7 (app-crashed), since 20"), notices.get(0));
            assertTrue(notices.get(0).contains(": its last heartbeat was 30.") && notices.get(0)
                    .endsWith(" s ago, more than its timeout of 2s"), notices.get(0));
            taker.requireHeld();
        }
        assertEquals(0, fs.listStatus(dir).length, "neither the old lease nor the new one is left");
    }

    @Test
    void aLeaseOfAProcessOfThisHostThatIsGoneIsTakenOverAtOnce() throws Exception {
        Process finished = new ProcessBuilder("true").start();
        finished.waitFor();
        String self = DirectoryLease.owner();
        String gone = self.substring(0, self.lastIndexOf(" pid ")) + " pid " + finished.pid();
        abandonedLease(gone, 0);
        try (DirectoryLease taker = acquire("app-rerun")) {
            assertEquals(List.of("took over the lease on checkpoint_dir '" + fs.makeQualified(dir) + "' from " + gone
                    + " (app-crashed), since " + notices.get(0).substring(notices.get(0).indexOf(", since ") + 8,
                            notices.get(0).indexOf(": that process"))
                    + ": that process no longer runs on this host"), notices);
            taker.requireHeld();
        }
        // A live process of this host, and a gone one elsewhere, are still waited out.
        assertFalse(DirectoryLease.goneFromThisHost(self));
        assertFalse(DirectoryLease.goneFromThisHost("someone@elsewhere pid " + finished.pid()));
    }

    @Test
    void ofSeveralTakersOfOneAbandonedLeaseExactlyOneWins() throws Exception {
        int takers = 4;
        for (int round = 0; round < 10; round++) {
            abandonedLease("crashed@elsewhere pid " + round, 30);
            CountDownLatch start = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(takers);
            List<Future<DirectoryLease>> outcomes = new ArrayList<>();
            try {
                for (int t = 0; t < takers; t++) {
                    String application = "app-taker-" + t;
                    Callable<DirectoryLease> take = () -> {
                        start.await(10, TimeUnit.SECONDS);
                        return acquire(application);
                    };
                    outcomes.add(pool.submit(take));
                }
                start.countDown();
                List<DirectoryLease> won = new ArrayList<>();
                List<String> refusals = new ArrayList<>();
                for (Future<DirectoryLease> outcome : outcomes) {
                    try {
                        won.add(outcome.get(60, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException e) {
                        refusals.add(e.getCause().getMessage());
                    }
                }
                assertEquals(1, won.size(), "round " + round + ": " + refusals);
                String winner = content();
                for (String refusal : refusals) {
                    assertTrue(refusal.contains("is in use by another job: "), refusal);
                }
                won.get(0).requireHeld();
                assertTrue(winner.contains("app-taker-"), winner);
                won.get(0).close();
                assertEquals(0, fs.listStatus(dir).length, "round " + round + ": nothing left behind");
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void aJobWhoseLeaseWasTakenOverNeitherCommitsNorDeletesTheNewHoldersLease() throws Exception {
        DirectoryLease first = acquire("app-first");
        CheckpointStore firstStore = new CheckpointStore(dir.toString(), configuration(), 2, first.token());
        firstStore.commit(state(10));
        // As if first's driver had been cut off from the file system past its timeout, and another
        // job took the lease over meanwhile.
        fs.delete(file(), false);
        abandonedLease("other@host pid 8", 0);
        String theirs = content();

        CheckpointException stopped = assertThrows(CheckpointException.class, () -> firstStore.commit(state(20)));
        assertTrue(stopped.getMessage().contains("is no longer this job's: its lease was taken over by other@host pid 8"
                + " (app-crashed)"), stopped.getMessage());
        assertThrows(CheckpointException.class, first::requireHeld);
        Thread.sleep(TIMEOUT.toMillis());
        first.close();
        assertEquals(theirs, content(), "releasing must not delete the new holder's lease");
        assertEquals(List.of(10L), firstStore.list().stream().map(CheckpointInfo::step).toList());
        assertTrue(heartbeatEnded(first));
    }

    private static TrainingState state(long step) {
        return new TrainingState(new JobIdentity("mlp", "(2)", "sgd", 1, 2, 1, false, new DataFingerprint(4, 1)), step,
                10, new float[] {1, 2}, new OptimizerState("sgd", step, List.of(new float[2])), List.of());
    }
}
