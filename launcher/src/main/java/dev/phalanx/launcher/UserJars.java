package dev.phalanx.launcher;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jars {@code --jars} names, holding a user's own model: on the driver a class loader over them
 * becomes the thread's context class loader while the command runs (the model catalog loads
 * factories and families through it), and Spark ships them to the executors as {@code spark.jars}.
 */
final class UserJars implements AutoCloseable {

    private final List<Path> jars;
    private final URLClassLoader loader;
    private final ClassLoader previous;

    private UserJars(List<Path> jars, URLClassLoader loader, ClassLoader previous) {
        this.jars = jars;
        this.loader = loader;
        this.previous = previous;
    }

    /**
     * Checks every jar is a readable file and puts them on this thread's class path until {@link #close()}.
     *
     * @throws ConfigError naming {@code --jars} and the file
     */
    static UserJars open(List<String> paths) {
        List<Path> jars = new ArrayList<>();
        List<URL> urls = new ArrayList<>();
        for (String path : paths) {
            if (path.isBlank()) {
                continue;
            }
            Path jar = Path.of(path).toAbsolutePath().normalize();
            if (!Files.isRegularFile(jar) || !Files.isReadable(jar)) {
                throw new ConfigError("--jars: " + jar + " is not a readable file");
            }
            try {
                urls.add(jar.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new ConfigError("--jars: " + jar + " cannot be used as a class path entry: " + e.getMessage());
            }
            jars.add(jar);
        }
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        URLClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]),
                previous != null ? previous : UserJars.class.getClassLoader());
        thread.setContextClassLoader(loader);
        return new UserJars(jars, loader, previous);
    }

    /** Returns whether any jar was given. */
    boolean isEmpty() {
        return jars.isEmpty();
    }

    /** Returns the jars as {@code spark.jars} takes them, after any {@code existing} value. */
    String sparkJars(String existing) {
        List<String> all = new ArrayList<>();
        if (existing != null && !existing.isBlank()) {
            all.add(existing);
        }
        jars.forEach(jar -> all.add(jar.toUri().toString()));
        return String.join(",", all);
    }

    @Override
    public void close() throws IOException {
        Thread.currentThread().setContextClassLoader(previous);
        loader.close();
    }
}
