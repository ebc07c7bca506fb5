package dev.phalanx.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.stream.Stream;

/**
 * The folder a run writes its results to. A run never writes into a folder that already holds
 * files, so a mistyped {@code run_dir} cannot damage an earlier run.
 */
public final class RunDirectory {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private final Path path;

    private RunDirectory(Path path) {
        this.path = path;
    }

    /**
     * Creates the run directory: {@code configured} if given, else a new folder under {@code
     * runs/}.
     *
     * @throws ConfigError naming {@code run_dir} if it holds files or cannot be created
     */
    public static RunDirectory create(String configured, String model) {
        if (configured.contains("://") && !configured.startsWith("file://")) {
            throw new ConfigError("run_dir '" + configured + "': only local directories are supported so far");
        }
        Path path = configured.isBlank() ? freshDefault(model)
                : Path.of(configured.startsWith("file://") ? configured.substring("file://".length()) : configured);
        try {
            if (Files.isDirectory(path)) {
                try (Stream<Path> entries = Files.list(path)) {
                    if (entries.findAny().isPresent()) {
                        throw new ConfigError("run_dir '" + path + "' already holds files; choose a new or empty"
                                + " directory (nothing was changed)");
                    }
                }
            }
            Files.createDirectories(path);
            if (!Files.isWritable(path)) {
                throw new ConfigError("run_dir '" + path + "' is not writable");
            }
        } catch (FileAlreadyExistsException e) {
            throw new ConfigError("run_dir '" + path + "' exists and is not a directory");
        } catch (IOException e) {
            throw new ConfigError("run_dir '" + path + "' cannot be created: " + e.getMessage());
        }
        return new RunDirectory(path);
    }

    private static Path freshDefault(String model) {
        Path base = Path.of("runs", model + "-" + LocalDateTime.now().format(STAMP));
        Path candidate = base;
        for (int i = 2; Files.exists(candidate); i++) {
            candidate = Path.of(base + "-" + i);
        }
        return candidate;
    }

    /** Returns the folder. */
    public Path path() {
        return path;
    }

    /** Writes {@code name} atomically: to a temporary file, then renamed into place. */
    public void write(String name, String content) throws IOException {
        Path target = path.resolve(name);
        Path temp = path.resolve("." + name + ".tmp");
        Files.writeString(temp, content, StandardCharsets.UTF_8);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
