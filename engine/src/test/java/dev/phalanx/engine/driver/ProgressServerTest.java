package dev.phalanx.engine.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.worker.ProgressReporter;
import dev.phalanx.engine.worker.ProgressWire;
import dev.phalanx.engine.job.StepMetrics;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The driver's progress listener over real sockets, against the reporter rank 0 uses. */
class ProgressServerTest {

    private static final String TOKEN = "job-token";

    private static EpochMetrics epoch(int n) {
        return new EpochMetrics(n, 10, 0.5, 0.9, 100, 1);
    }

    @Test
    void aStrayConnectionThatSendsNothingDoesNotHoldUpRankZerosReports() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        try (ProgressServer server = new ProgressServer("127.0.0.1", TOKEN, handler(received, 0), 300);
                Socket stray = new Socket()) {
            String[] hostPort = server.address().split(":");
            stray.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5_000);
            try (ProgressReporter reporter = ProgressReporter.connect(server.address(), TOKEN)) {
                reporter.report(epoch(1));
                EpochMetrics first = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(first, "rank 0's report never arrived while the stray connection stayed open");
                assertEquals(1, first.epoch());
            }
        }
    }

    @Test
    void aListenerThatThrowsStillGetsTheReportsAfterIt() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        try (ProgressServer server = new ProgressServer("127.0.0.1", TOKEN, handler(received, 1));
                ProgressReporter reporter = ProgressReporter.connect(server.address(), TOKEN)) {
            reporter.report(epoch(1));
            reporter.report(epoch(2));
            EpochMetrics next = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(next, "no report reached the listener after it threw");
            assertEquals(2, next.epoch());
        }
    }

    @Test
    void reportsSentBeforeTheReporterClosesAllReachTheListenerBeforeTheServerCloses() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        ProgressWire.Handler slow = new ProgressWire.Handler() {
            @Override
            public void epoch(EpochMetrics metrics) {
                try {
                    // A listener that takes its time, as a console or a notebook can.
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                received.add(metrics);
            }

            @Override
            public void step(StepMetrics metrics) {}
        };
        try (ProgressServer server = new ProgressServer("127.0.0.1", TOKEN, slow)) {
            long sent;
            try (ProgressReporter reporter = ProgressReporter.connect(server.address(), TOKEN)) {
                for (int n = 1; n <= 5; n++) {
                    reporter.report(epoch(n));
                }
                sent = reporter.sent();
            }
            // As the driver does with the count in rank 0's result, then closes the server.
            server.awaitReports(sent, 10_000);
        }
        assertEquals(5, received.size(), "epochs handed on before the server closed: " + received);
    }

    @Test
    void awaitingNoReportsReturnsAtOnce() throws Exception {
        try (ProgressServer server = new ProgressServer("127.0.0.1", TOKEN, handler(new LinkedBlockingQueue<>(), 0))) {
            long start = System.nanoTime();
            server.awaitReports(0, 10_000);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "waited though no report was sent");
        }
    }

    /** Collects epochs; throws on the first {@code failures} of them, as a careless listener might. */
    private static ProgressWire.Handler handler(BlockingQueue<EpochMetrics> received, int failures) {
        return new ProgressWire.Handler() {
            private int calls;

            @Override
            public void epoch(EpochMetrics metrics) {
                if (calls++ < failures) {
                    throw new IllegalStateException("listener bug");
                }
                received.add(metrics);
            }

            @Override
            public void step(StepMetrics metrics) {}
        };
    }
}
