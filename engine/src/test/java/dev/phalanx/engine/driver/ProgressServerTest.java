package dev.phalanx.engine.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.RecordingProxy;
import dev.phalanx.engine.collective.JobKey;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.worker.ProgressHandshake;
import dev.phalanx.engine.worker.ProgressReporter;
import dev.phalanx.engine.worker.ProgressWire;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** The driver's progress listener over real sockets, against the reporter rank 0 uses. */
class ProgressServerTest {

    /** A job token as {@link TrainingJob} makes them; without spark.authenticate it is the job's secret. */
    private static final String TOKEN = TrainingJob.newJobToken();
    private static final JobKey KEY = JobKey.progress(TOKEN, 1);

    private static EpochMetrics epoch(int n) {
        return new EpochMetrics(n, 10, 0.5, 0.9, 100, 1);
    }

    @Test
    void aStrayConnectionThatSendsNothingDoesNotHoldUpRankZerosReports() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, handler(received, 0), 300);
                Socket stray = new Socket()) {
            String[] hostPort = server.address().split(":");
            stray.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 5_000);
            try (ProgressReporter reporter = ProgressReporter.connect(server.address(), KEY)) {
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
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, handler(received, 1));
                ProgressReporter reporter = ProgressReporter.connect(server.address(), KEY)) {
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

            @Override
            public void validation(Validation validation) {}
        };
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, slow)) {
            long sent;
            try (ProgressReporter reporter = ProgressReporter.connect(server.address(), KEY)) {
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
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, handler(new LinkedBlockingQueue<>(), 0))) {
            long start = System.nanoTime();
            server.awaitReports(0, 10_000);
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "waited though no report was sent");
        }
    }

    @Test
    void theWireCarriesNeitherTheTokenNorAnythingDerivedFromItThatCouldBeReused() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, handler(received, 0));
                RecordingProxy wire = new RecordingProxy(server.address())) {
            try (ProgressReporter reporter = ProgressReporter.connect(wire.address(), KEY)) {
                reporter.report(epoch(1));
                assertNotNull(received.poll(10, TimeUnit.SECONDS), "the report did not arrive through the proxy");
            }
            for (byte[] bytes : List.of(wire.sent(), wire.received())) {
                String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
                assertFalse(latin1.contains(TOKEN), "the token crossed the wire");
                // The first 8 characters of the token used to name the Spark job group.
                assertFalse(latin1.contains(TOKEN.substring(0, 8)), "part of the token crossed the wire");
                assertFalse(latin1.contains(new String(HexFormat.of().parseHex(TOKEN), StandardCharsets.ISO_8859_1)),
                        "the token's bytes crossed the wire");
            }
            // What did cross: the challenge, the answer and the proof, then the report.
            assertEquals(ProgressHandshake.ANSWER_BYTES + 1 + 4 + 8 + 4 * 8, wire.sent().length);
            assertEquals(ProgressHandshake.CHALLENGE_BYTES + ProgressHandshake.PROOF_BYTES, wire.received().length);
        }
    }

    @Test
    void aClientWithAnotherKeyOrAReplayedAnswerIsRefusedAndRankZeroStillGetsThrough() throws Exception {
        BlockingQueue<EpochMetrics> received = new LinkedBlockingQueue<>();
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, handler(received, 0), 2_000)) {
            // Another attempt's key, another job's, the ring's: none of them is this attempt's progress key.
            for (JobKey wrong : List.of(JobKey.progress(TOKEN, 2), JobKey.progress(TrainingJob.newJobToken(), 1),
                    JobKey.ring(TOKEN, 1))) {
                assertEquals(ProgressHandshake.CHALLENGE_BYTES,
                        pushReport(server.address(), challenge -> ProgressHandshake.answer(wrong, challenge)),
                        wrong + ": the listener must refuse the answer and close, not prove itself");
            }
            // A valid answer, recorded on the wire, is worthless on the next connection.
            byte[] recorded;
            try (RecordingProxy wire = new RecordingProxy(server.address())) {
                try (ProgressReporter reporter = ProgressReporter.connect(wire.address(), KEY)) {
                    reporter.report(epoch(1));
                    assertEquals(1, received.poll(10, TimeUnit.SECONDS).epoch());
                }
                recorded = Arrays.copyOf(wire.sent(), ProgressHandshake.ANSWER_BYTES);
            }
            assertEquals(ProgressHandshake.CHALLENGE_BYTES, pushReport(server.address(), challenge -> recorded),
                    "the listener must refuse a replayed answer");
            try (ProgressReporter reporter = ProgressReporter.connect(server.address(), KEY)) {
                reporter.report(epoch(2));
                EpochMetrics next = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(next, "rank 0's report never arrived");
                assertEquals(2, next.epoch(), "a report from a refused client reached the listener");
            }
        }
    }

    /**
     * Connects as a client that ignores the listener's verdict: reads the challenge, sends {@code
     * answer}'s answer to it and an epoch-99 report; returns how many bytes came back before the
     * listener closed the connection (a valid answer would have got the listener's proof too).
     */
    private static int pushReport(String address, UnaryOperator<byte[]> answer) throws IOException {
        String[] hostPort = address.split(":");
        try (Socket socket = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
            socket.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] challenge = new byte[ProgressHandshake.CHALLENGE_BYTES];
            in.readFully(challenge);
            // One write, so that it is all on its way before the listener can refuse and close.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.write(answer.apply(challenge));
            ProgressWire.write(out, epoch(99));
            socket.getOutputStream().write(bytes.toByteArray());
            int got = challenge.length;
            try {
                while (in.read() >= 0) {
                    got++;
                }
            } catch (SocketException e) {
                // Reset: the listener closed without reading the report.
            }
            return got;
        }
    }

    @Test
    void aReporterSendsNothingToAListenerThatCannotProveTheKey() throws Exception {
        AtomicInteger impostorGot = new AtomicInteger(-2);
        try (ServerSocket impostor = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread listener = new Thread(() -> {
                try (Socket socket = impostor.accept()) {
                    DataInputStream in = new DataInputStream(socket.getInputStream());
                    socket.getOutputStream().write(ProgressHandshake.challenge());
                    byte[] answer = in.readNBytes(ProgressHandshake.ANSWER_BYTES);
                    // Its best guess without the key: the reporter's own MAC back.
                    socket.getOutputStream().write(answer, JobKey.NONCE_BYTES, ProgressHandshake.PROOF_BYTES);
                    socket.setSoTimeout(10_000);
                    impostorGot.set(in.readAllBytes().length);
                } catch (IOException e) {
                    impostorGot.set(-1);
                }
            });
            listener.start();
            try (ProgressReporter reporter = ProgressReporter.connect("127.0.0.1:" + impostor.getLocalPort(), KEY)) {
                reporter.report(epoch(1));
            }
            listener.join(20_000);
            assertEquals(0, impostorGot.get(), "bytes the reporter sent after the impostor's proof");
        }
    }

    @Test
    void aValidationReportArrivesWhole() throws Exception {
        BlockingQueue<Validation> received = new LinkedBlockingQueue<>();
        ProgressWire.Handler collecting = new ProgressWire.Handler() {
            @Override
            public void epoch(EpochMetrics metrics) {}

            @Override
            public void step(StepMetrics metrics) {}

            @Override
            public void validation(Validation validation) {
                received.add(validation);
            }
        };
        Validation sent = new Validation(3, 240, new Evaluation(Objective.CROSS_ENTROPY, 2, 10, 6.5,
                new long[] {4, 1, 2, 3}, 1, 7, 0, 0, 0, 0));
        try (ProgressServer server = new ProgressServer("127.0.0.1", KEY, collecting);
                ProgressReporter reporter = ProgressReporter.connect(server.address(), KEY)) {
            reporter.report(sent);
            assertEquals(sent, received.poll(10, TimeUnit.SECONDS));
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

            @Override
            public void validation(Validation validation) {}
        };
    }
}
