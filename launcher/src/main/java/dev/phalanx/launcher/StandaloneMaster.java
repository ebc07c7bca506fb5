package dev.phalanx.launcher;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The addresses of a Spark standalone master URL, {@code spark://host:port[,host:port...]}, and a
 * check that one of them accepts TCP connections. Spark itself retries a master it cannot reach
 * for about a minute, then stops its context, and the job ends in "Cannot call methods on a
 * stopped SparkContext"; one connection attempt per address names the address at once.
 */
final class StandaloneMaster {

    private static final String SCHEME = "spark://";

    private StandaloneMaster() {}

    /**
     * Returns the addresses of {@code master}, unresolved: empty when it is not a standalone
     * master URL, or one Spark refuses itself with its own message (no port, say).
     */
    static List<InetSocketAddress> addresses(String master) {
        if (!master.startsWith(SCHEME)) {
            return List.of();
        }
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String hostPort : master.substring(SCHEME.length()).split(",", -1)) {
            URI uri;
            try {
                uri = new URI(SCHEME + hostPort);
            } catch (URISyntaxException e) {
                return List.of();
            }
            if (uri.getHost() == null || uri.getPort() < 0 || !uri.getRawPath().isEmpty() || uri.getRawQuery() != null) {
                return List.of();
            }
            addresses.add(InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort()));
        }
        return addresses;
    }

    /**
     * Connects to the addresses in turn until one accepts, each attempt ending by {@code
     * deadline} (a {@link System#nanoTime} value), and returns the one that accepted.
     *
     * @param master the master URL, for the message
     * @throws ConfigError naming {@code master} and why each address failed, when none accepts
     */
    static InetSocketAddress requireReachable(String master, List<InetSocketAddress> addresses, long deadline) {
        List<String> failures = new ArrayList<>();
        for (InetSocketAddress address : addresses) {
            long millisLeft = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (millisLeft < 1) {
                failures.add(text(address) + " was not tried: no time left");
                continue;
            }
            String failure = connect(address, (int) Math.min(millisLeft, Integer.MAX_VALUE));
            if (failure == null) {
                return address;
            }
            failures.add(failure);
        }
        throw new ConfigError("master '" + master + "' cannot be reached: " + String.join("; ", failures)
                + "; start the Spark master, or set master to the URL of one that runs");
    }

    /** Returns the address as {@code host:port}. */
    static String text(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }

    /** Returns null when {@code address} accepts a connection within the timeout, else why not. */
    private static String connect(InetSocketAddress unresolved, int timeoutMillis) {
        InetSocketAddress address = new InetSocketAddress(unresolved.getHostString(), unresolved.getPort());
        if (address.isUnresolved()) {
            return text(unresolved) + ": unknown host '" + unresolved.getHostString() + "'";
        }
        try (Socket socket = new Socket()) {
            socket.connect(address, timeoutMillis);
            return null;
        } catch (ConnectException e) {
            return String.valueOf(e.getMessage()).contains("refused")
                    ? text(unresolved) + " refused the connection (nothing listens there)"
                    : text(unresolved) + ": " + e.getMessage();
        } catch (SocketTimeoutException e) {
            return text(unresolved) + " did not answer within " + timeoutMillis + " ms";
        } catch (IOException e) {
            return text(unresolved) + ": " + e.getMessage();
        }
    }
}
