package dev.phalanx.models;

import java.io.Serializable;

/**
 * What the values of a model's input are: real numbers (pixels, measurements) or token ids, which
 * must be whole numbers below the vocabulary size and are padded with {@link #PAD} or cut to the
 * sample length rather than rejected when a row is shorter or longer.
 *
 * @param vocabulary 0 for real-valued input, else the number of token ids (ids are {@code 0 ..
 *     vocabulary - 1})
 */
public record FeatureDomain(int vocabulary) implements Serializable {

    /** The token id that pads a short sequence, and that models ignore. */
    public static final int PAD = 0;

    /** Token ids are stored as float32 on their way to the model: exact up to 2^24. */
    public static final int MAX_VOCABULARY = 1 << 24;

    /** Checks the vocabulary fits float32 exactly. */
    public FeatureDomain {
        if (vocabulary < 0 || vocabulary > MAX_VOCABULARY) {
            throw new IllegalArgumentException("a vocabulary holds 1 to " + MAX_VOCABULARY + " token ids, got "
                    + vocabulary);
        }
    }

    /** Real-valued features of a fixed length. */
    public static FeatureDomain real() {
        return new FeatureDomain(0);
    }

    /** Token ids in {@code [0, vocabulary)}, padded or cut to the sample length. */
    public static FeatureDomain tokens(int vocabulary) {
        return new FeatureDomain(vocabulary);
    }

    /** Returns whether the features are token ids. */
    public boolean isTokens() {
        return vocabulary > 0;
    }
}
