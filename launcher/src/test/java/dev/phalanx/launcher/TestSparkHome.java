package dev.phalanx.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Spark home made from the jars Maven resolved, for tests: {@code jars/} links the Spark, Hadoop
 * and Scala jars of the launcher's classpath.txt (leaving out Phalanx and DJL, which travel in the
 * job jar), and {@code bin/spark-submit} is a shim that runs {@code SparkSubmit} on them.
 */
final class TestSparkHome {

    /** Spark 4 on Java 17 needs these (Spark's JavaModuleOptions). */
    static final List<String> JVM_OPTIONS = Stream.concat(Stream.of(
                    "java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
                    "java.util.concurrent", "java.util.concurrent.atomic", "jdk.internal.ref", "sun.nio.ch", "sun.nio.cs",
                    "sun.security.action", "sun.util.calendar")
            .map(pkg -> "--add-opens=java.base/" + pkg + "=ALL-UNNAMED"),
            Stream.of("-Djdk.reflect.useDirectMethodHandle=false", "-Dio.netty.tryReflectionSetAccessible=true"))
            .toList();

    private TestSparkHome() {}

    /**
     * Creates (once per build) the Spark home in {@code target/test-spark-home} and returns it. It
     * lives outside the tests' temporary folders because it is made of links to the local Maven
     * repository, which temporary-folder clean-up warns about one by one.
     */
    static synchronized Path create() throws IOException {
        Path home = Path.of("target", "test-spark-home").toAbsolutePath();
        Path jars = Files.createDirectories(home.resolve("jars"));
        String classpath = Files.readString(Path.of("target", "classpath.txt")).trim();
        Path project = Path.of("..").toAbsolutePath().normalize();
        for (String entry : classpath.split(":")) {
            Path jar = Path.of(entry);
            boolean phalanxOrDjl = entry.contains("/ai/djl/") || entry.contains("/dev/phalanx/") || jar.startsWith(project);
            if (entry.endsWith(".jar") && !phalanxOrDjl) {
                Path link = jars.resolve(jar.getFileName());
                if (Files.notExists(link)) {
                    Files.createSymbolicLink(link, jar);
                }
            }
        }
        Path submit = Files.createDirectories(home.resolve("bin")).resolve("spark-submit");
        Files.writeString(submit, "#!/usr/bin/env bash\nexec \"" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "\" " + String.join(" ", JVM_OPTIONS) + " -Xmx2g -cp \"" + jars + "/*\""
                + " org.apache.spark.deploy.SparkSubmit \"$@\"\n");
        Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /**
     * Starts {@code mainAndArgs} in a JVM on {@code home}'s jars, with the environment a Spark
     * daemon or driver needs there; stdout and stderr go to {@code log}.
     */
    static Process java(Path home, Path log, List<String> mainAndArgs) throws IOException {
        return java(home, log, List.of(), mainAndArgs);
    }

    /** As {@link #java(Path, Path, List)}, with {@code extraClassPath} after Spark's jars. */
    static Process java(Path home, Path log, List<Path> extraClassPath, List<String> mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(JVM_OPTIONS);
        command.add("-Xmx2g");
        command.add("-cp");
        StringBuilder classPath = new StringBuilder(home.resolve("jars") + "/*");
        extraClassPath.forEach(entry -> classPath.append(java.io.File.pathSeparator).append(entry));
        command.add(classPath.toString());
        command.addAll(mainAndArgs);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.put("SPARK_HOME", home.toString());
        env.put("SPARK_SCALA_VERSION", "2.13");
        env.put("SPARK_LOCAL_IP", "127.0.0.1");
        env.put("OMP_NUM_THREADS", "1");
        return builder.start();
    }
}
