package dev.phalanx.engine.collective;

/**
 * How ranks find each other before they have connections: every rank offers a string (its
 * address) and gets back every rank's string, indexed by rank. It is called exactly once per
 * communicator setup, by every rank.
 */
public interface Rendezvous {

    /** Returns every rank's {@code message}, indexed by rank. */
    String[] allGather(String message);
}
