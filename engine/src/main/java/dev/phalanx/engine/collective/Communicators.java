package dev.phalanx.engine.collective;

/** Picks the communicator for a world size: a trivial local one for 1, the TCP ring otherwise. */
public final class Communicators {

    private Communicators() {}

    /**
     * Connects rank {@code rank} of {@code worldSize}; every rank must call this once, together.
     *
     * @param host the address this rank listens on and advertises
     */
    public static Communicator connect(
            int rank, int worldSize, Rendezvous rendezvous, String host, CollectiveOptions options) {
        if (worldSize == 1) {
            return new LocalCommunicator();
        }
        return RingCommunicator.connect(rank, worldSize, rendezvous, host, options);
    }
}
