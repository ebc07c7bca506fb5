package dev.phalanx.engine.collective;

/**
 * A consecutive range of a flat buffer: the part of it one rank owns after a {@link
 * Communicator#reduceScatter}, and so the part of the parameters whose optimizer state that rank
 * keeps when the optimizer is sharded.
 *
 * @param offset the index of the first value
 * @param length the number of values
 */
public record Slice(int offset, int length) {

    /** Checks the range. */
    public Slice {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("a slice needs a non-negative offset and length, got " + offset + " and "
                    + length);
        }
    }

    /** Returns the index after the last value. */
    public int end() {
        return offset + length;
    }

    /**
     * Returns part {@code index} of {@code parts} of a buffer of {@code length} values, cut as evenly
     * as possible: the first {@code length % parts} parts take one value more. Every rank cuts the
     * same way, so this is also how a checkpoint written by one world size is read by another.
     */
    public static Slice part(int length, int parts, int index) {
        if (parts < 1 || index < 0 || index >= parts) {
            throw new IllegalArgumentException("part " + index + " of " + parts + " does not exist");
        }
        return new Slice(start(length, parts, index), start(length, parts, index + 1) - start(length, parts, index));
    }

    /**
     * Returns where part {@code index} of {@code parts} of a buffer of {@code length} values starts
     * ({@code length} for {@code index == parts}), as {@link #part} cuts it; allocates nothing, for
     * the ring's per-message arithmetic.
     */
    static int start(int length, int parts, int index) {
        int base = length / parts;
        int extra = length % parts;
        return index * base + Math.min(index, extra);
    }
}
