package dev.phalanx.engine.collective;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings shared by every operation of a communicator.
 *
 * @param timeout the longest any single blocking step (connect, send, receive) may take
 * @param jobToken a per-job secret each connection must present in its handshake, so that a
 *     stray or foreign connection is refused instead of being mistaken for a peer
 */
public record CollectiveOptions(Duration timeout, String jobToken) implements Serializable {

    /** Checks the values. */
    public CollectiveOptions {
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(jobToken, "jobToken");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("collective timeout must be positive, got " + timeout);
        }
    }

    /** Returns the timeout in milliseconds, as sockets want it. */
    int timeoutMillis() {
        return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    }
}
