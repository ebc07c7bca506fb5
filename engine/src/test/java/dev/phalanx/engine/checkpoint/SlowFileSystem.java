package dev.phalanx.engine.checkpoint;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A real Hadoop file system for tests: the local one under the scheme {@code slowfs}, whose
 * renames of {@code _tmp-…} folders — a checkpoint's commit — take {@link #commitDelay} (set by the
 * test; interruptible). Everything else (the lease, the writability probe, listing) is as fast as
 * the local file system. Register it with {@link #register}.
 */
public final class SlowFileSystem extends RawLocalFileSystem {

    /** The scheme this file system serves. */
    public static final String SCHEME = "slowfs";
    private static final URI ROOT = URI.create(SCHEME + ":///");

    private static volatile Duration commitDelay = Duration.ZERO;
    private static volatile int commitsStarted;

    /** Sets how long each checkpoint commit takes from now on, and counts commits from zero. */
    public static void setCommitDelay(Duration delay) {
        commitDelay = delay;
        commitsStarted = 0;
    }

    /** Returns how many checkpoint commits started since the last {@link #setCommitDelay}. */
    public static int commitsStarted() {
        return commitsStarted;
    }

    /** Makes {@code slowfs://} paths reach this file system through {@code conf}. */
    public static void register(Configuration conf) {
        conf.set("fs." + SCHEME + ".impl", SlowFileSystem.class.getName());
    }

    @Override
    public URI getUri() {
        return ROOT;
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        if (src.getName().startsWith("_tmp-")) {
            commitsStarted++;
            try {
                Thread.sleep(commitDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while committing " + src);
            }
        }
        return super.rename(src, dst);
    }
}
