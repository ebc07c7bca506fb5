package dev.phalanx.launcher;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real Spark standalone cluster for tests: a Master and Workers as separate JVMs started from the
 * jars Maven resolved (no Spark distribution), with executors launched by the Workers as their own
 * JVMs, and jobs submitted through {@code org.apache.spark.deploy.SparkSubmit}. Closing it stops
 * every process it started, executors included.
 */
final class StandaloneCluster implements AutoCloseable {

    private final Path dir;
    private final Path sparkHome;
    private final int port;
    private final List<Process> daemons = new ArrayList<>();

    private StandaloneCluster(Path dir, Path sparkHome, int port) {
        this.dir = dir;
        this.sparkHome = sparkHome;
        this.port = port;
    }

    /** Starts a Master and {@code workers} Workers of {@code cores} cores each. */
    static StandaloneCluster start(Path dir, int workers, int cores) throws IOException, InterruptedException {
        Path sparkHome = TestSparkHome.create();
        StandaloneCluster cluster = new StandaloneCluster(dir, sparkHome, freePort());
        try {
            cluster.daemons.add(cluster.java("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", String.valueOf(cluster.port), "--webui-port", "0"));
            cluster.awaitPort(cluster.port);
            for (int i = 0; i < workers; i++) {
                Path work = Files.createDirectories(dir.resolve("work-" + i));
                cluster.daemons.add(cluster.java("worker-" + i, "org.apache.spark.deploy.worker.Worker", "--host",
                        "127.0.0.1", "--cores", String.valueOf(cores), "--memory", "2g", "--webui-port", "0",
                        "--work-dir", work.toString(), cluster.masterUrl()));
            }
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            cluster.close();
            throw e;
        }
    }

    /** Returns {@code spark://127.0.0.1:port}. */
    String masterUrl() {
        return "spark://127.0.0.1:" + port;
    }

    /** Starts {@code spark-submit} of the job jar with {@code args}; output goes to {@code log}. */
    Process submit(Path jobJar, Path log, List<String> sparkConf, List<String> args) throws IOException {
        return submit(jobJar, log, sparkConf, args, List.of());
    }

    /**
     * As {@link #submit(Path, Path, List, List)}, with {@code driverOnly} on the driver's class path
     * alone (the executors do not have it).
     */
    Process submit(Path jobJar, Path log, List<String> sparkConf, List<String> args, List<Path> driverOnly)
            throws IOException {
        List<String> command = new ArrayList<>(List.of("org.apache.spark.deploy.SparkSubmit", "--master", masterUrl(),
                "--deploy-mode", "client", "--class", PhalanxCli.class.getName()));
        for (String conf : sparkConf) {
            command.add("--conf");
            command.add(conf);
        }
        command.add(jobJar.toString());
        command.addAll(args);
        return TestSparkHome.java(sparkHome, log, driverOnly, command);
    }

    /** Returns the PIDs of the executor JVMs the Workers launched. */
    List<ProcessHandle> executors() {
        return daemons.stream().skip(1).flatMap(worker -> worker.toHandle().children())
                .filter(child -> child.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                .toList();
    }

    /** Returns the tail of every daemon log, for failure messages. */
    String logs() throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path log : files.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
                List<String> lines = Files.readAllLines(log);
                all.append("== ").append(log.getFileName()).append('\n');
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(l -> all.append(l).append('\n'));
            }
        }
        return all.toString();
    }

    private Process java(String name, String mainClass, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(mainClass));
        command.addAll(List.of(args));
        return process(dir.resolve(name + ".log"), command);
    }

    private Process process(Path log, List<String> mainAndArgs) throws IOException {
        return TestSparkHome.java(sparkHome, log, mainAndArgs);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new UncheckedIOException(new IOException("the Spark master did not open port " + port + " within 60 s"));
    }

    @Override
    public void close() {
        for (Process daemon : daemons) {
            daemon.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            daemon.destroyForcibly();
        }
        for (Process daemon : daemons) {
            try {
                daemon.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
