package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.Locale;

/**
 * What a job's training data was, cheaply: its row count and a 64-bit content hash of its rows.
 * Checkpoints record it so that a job over other data of the same size does not silently resume
 * another job's training (and, at the same epochs, return that job's model after no step at all).
 *
 * <p>The hash is the sum, modulo 2^64, of a hash of each row, so it does not depend on how the rows
 * are partitioned or ordered; a sum rather than an exclusive or, so that a row twice does not
 * cancel out.
 *
 * @param rows the number of rows
 * @param contentHash the sum of the rows' hashes
 */
public record DataFingerprint(long rows, long contentHash) implements Serializable {

    /** Returns the fingerprint in words, for example {@code 128 rows, content hash 9f0c…}. */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%d rows, content hash %016x", rows, contentHash);
    }
}
