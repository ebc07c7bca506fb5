package dev.phalanx.engine;

import dev.phalanx.engine.data.ShardStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captures the line {@link ShardStore} logs once per filled shard ("rank-0: N samples, M in memory
 * …, S spilled …"). In local mode every worker is a thread of this JVM, so this sees them all.
 */
public final class ShardPlacements implements AutoCloseable {

    private static final Pattern LINE = Pattern.compile(
            "^(\\S+): (\\d+) samples, (\\d+) in memory .*, (\\d+) spilled(?: to (\\S+) \\(.*)?$");

    /**
     * Where one shard's samples went.
     *
     * @param name the shard's name, such as {@code rank-0}
     * @param samples the samples in the shard
     * @param inMemory those held in memory
     * @param spilled those written to the spill file
     * @param spillFile the spill file, or null when nothing spilled
     * @param line the whole log line
     */
    public record Placement(String name, int samples, int inMemory, int spilled, Path spillFile, String line) {}

    // A strong reference: java.util.logging keeps loggers only weakly.
    private final Logger logger = Logger.getLogger(ShardStore.class.getName());
    private final Level previousLevel = logger.getLevel();
    private final List<Placement> placements = new ArrayList<>();
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            Matcher m = LINE.matcher(record.getMessage());
            if (m.matches()) {
                synchronized (placements) {
                    placements.add(new Placement(m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                            Integer.parseInt(m.group(4)), m.group(5) == null ? null : Path.of(m.group(5)),
                            record.getMessage()));
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    private ShardPlacements() {
        logger.setLevel(Level.INFO);
        logger.addHandler(handler);
    }

    /** Starts capturing; close to stop. */
    public static ShardPlacements capture() {
        return new ShardPlacements();
    }

    /** Returns and forgets what was captured so far, sorted by shard name. */
    public List<Placement> take() {
        synchronized (placements) {
            List<Placement> result = new ArrayList<>(placements);
            placements.clear();
            result.sort((a, b) -> a.name().compareTo(b.name()));
            return result;
        }
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(previousLevel);
    }
}
