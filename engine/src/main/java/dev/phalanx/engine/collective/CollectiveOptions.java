package dev.phalanx.engine.collective;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by every operation of a communicator.
 *
 * @param timeout the longest any single wait (connect, send progress, receive progress) may take
 * @param jobToken the per-job secret: connections prove they know it in their handshake (an
 *     HMAC, the secret itself never travels), so a stray or foreign connection is refused
 * @param segmentBytes the ring cuts each chunk into segments of this size so that receiving one
 *     segment overlaps with reducing the previous one; small values let tests hit many segments
 * @param smallMessageBytes buffers up to this size skip the ring's 2(W-1) steps for a W-1 step
 *     gather-and-sum, trading bandwidth for latency
 * @param tls TLS settings for encrypted connections, or null for plain TCP
 */
public record CollectiveOptions(
        Duration timeout, String jobToken, int segmentBytes, int smallMessageBytes, TlsSettings tls)
        implements Serializable {

    /** Default segment size: large enough to amortise a system call, small enough to stay in cache. */
    public static final int DEFAULT_SEGMENT_BYTES = 1024 * 1024;
    /** Default small-message threshold. */
    public static final int DEFAULT_SMALL_MESSAGE_BYTES = 32 * 1024;

    /** Checks the values. */
    public CollectiveOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(jobToken, "jobToken");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("collective timeout must be positive, got " + timeout);
        }
        if (segmentBytes < Float.BYTES || segmentBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("segment size must be a positive multiple of 4 bytes, got " + segmentBytes);
        }
        if (smallMessageBytes < 0) {
            throw new IllegalArgumentException("small-message threshold must not be negative, got " + smallMessageBytes);
        }
    }

    /** Creates options with the default segment size and small-message threshold. */
    public CollectiveOptions(Duration timeout, String jobToken) {
        this(timeout, jobToken, DEFAULT_SEGMENT_BYTES, DEFAULT_SMALL_MESSAGE_BYTES, null);
    }

    /** Returns a copy with another segment size and small-message threshold. */
    public CollectiveOptions withSegments(int segmentBytes, int smallMessageBytes) {
        return new CollectiveOptions(timeout, jobToken, segmentBytes, smallMessageBytes, tls);
    }

    /** Returns a copy with another secret. */
    public CollectiveOptions withJobToken(String jobToken) {
        return new CollectiveOptions(timeout, jobToken, segmentBytes, smallMessageBytes, tls);
    }

    /** Returns a copy that encrypts connections with TLS. */
    public CollectiveOptions withTls(TlsSettings tls) {
        return new CollectiveOptions(timeout, jobToken, segmentBytes, smallMessageBytes, tls);
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "CollectiveOptions[timeout=" + timeout + ", segmentBytes=" + segmentBytes + ", smallMessageBytes="
                + smallMessageBytes + ", tls=" + tls + "]";
    }

    /** Returns the timeout in milliseconds, as sockets want it. */
    int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }
}
