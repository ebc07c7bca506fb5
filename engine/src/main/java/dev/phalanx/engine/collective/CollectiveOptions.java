package dev.phalanx.engine.collective;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by every operation of a communicator.
 *
 * @param timeout the longest any single wait (connect, send progress, receive progress) may take
 * @param jobToken the per-job secret: each ring connection proves in its handshake, both ways,
 *     that it knows the key derived from it for this attempt ({@link JobKey}; MACs over fresh
 *     nonces, neither the secret nor the key travels), so a stray, foreign or replayed connection
 *     is refused
 * @param attempt which launch of the barrier stage the connections belong to, from 1: the ring's
 *     key is derived from the secret and this number, so ranks of different attempts never connect
 *     and a handshake recorded in one attempt is refused in every other
 * @param segmentBytes the ring cuts each chunk into segments of this size so that receiving one
 *     segment overlaps with reducing the previous one; small values let tests hit many segments
 * @param smallMessageBytes buffers up to this size skip the ring's 2(W-1) steps for a W-1 step
 *     gather-and-sum, trading bandwidth for latency
 * @param tls TLS settings for encrypted connections, or null for plain TCP
 */
public record CollectiveOptions(
        Duration timeout, String jobToken, int attempt, int segmentBytes, int smallMessageBytes, TlsSettings tls)
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
        if (attempt < 1) {
            throw new IllegalArgumentException("attempts are numbered from 1, got " + attempt);
        }
        if (segmentBytes < Float.BYTES || segmentBytes % Float.BYTES != 0) {
            throw new IllegalArgumentException("segment size must be a positive multiple of 4 bytes, got " + segmentBytes);
        }
        if (smallMessageBytes < 0) {
            throw new IllegalArgumentException("small-message threshold must not be negative, got " + smallMessageBytes);
        }
    }

    /** Creates options for attempt 1 with the default segment size and small-message threshold, without TLS. */
    public CollectiveOptions(Duration timeout, String jobToken) {
        this(timeout, jobToken, 1, DEFAULT_SEGMENT_BYTES, DEFAULT_SMALL_MESSAGE_BYTES, null);
    }

    /** Returns a copy with another segment size and small-message threshold. */
    public CollectiveOptions withSegments(int segmentBytes, int smallMessageBytes) {
        return new CollectiveOptions(timeout, jobToken, attempt, segmentBytes, smallMessageBytes, tls);
    }

    /** Returns a copy with another secret. */
    public CollectiveOptions withJobToken(String jobToken) {
        return new CollectiveOptions(timeout, jobToken, attempt, segmentBytes, smallMessageBytes, tls);
    }

    /** Returns a copy for another attempt. */
    public CollectiveOptions withAttempt(int attempt) {
        return new CollectiveOptions(timeout, jobToken, attempt, segmentBytes, smallMessageBytes, tls);
    }

    /** Returns a copy that encrypts connections with TLS. */
    public CollectiveOptions withTls(TlsSettings tls) {
        return new CollectiveOptions(timeout, jobToken, attempt, segmentBytes, smallMessageBytes, tls);
    }

    @Override
    public String toString() {
        // Never print the secret.
        return "CollectiveOptions[timeout=" + timeout + ", attempt=" + attempt + ", segmentBytes=" + segmentBytes
                + ", smallMessageBytes=" + smallMessageBytes + ", tls=" + tls + "]";
    }

    /** Returns the timeout in milliseconds, as sockets want it. */
    int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }
}
