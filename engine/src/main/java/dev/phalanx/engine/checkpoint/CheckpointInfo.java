package dev.phalanx.engine.checkpoint;

/**
 * One checkpoint as listed in a store, valid or not.
 *
 * @param name the checkpoint's folder name, for example {@code ckpt-000000000200}
 * @param uri its full location
 * @param step the global step it was taken after
 * @param epoch the 1-based epoch of the last completed step, or 0 if unreadable
 * @param writtenAtMillis when it was committed (the marker's time), or 0 if unknown
 * @param bytes total size of its files
 * @param problem null when valid, else why it cannot be used
 */
public record CheckpointInfo(
        String name, String uri, long step, long epoch, long writtenAtMillis, long bytes, String problem) {

    /** Returns whether the checkpoint passed verification. */
    public boolean valid() {
        return problem == null;
    }
}
