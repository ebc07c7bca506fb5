package dev.phalanx.engine.collective;

/**
 * How the float32 values of an all-reduce travel between ranks.
 *
 * <p>{@link #BFLOAT16} halves the bytes on the wire: a value keeps float32's exponent, so nothing
 * overflows or underflows that would not in float32, and its 8 significant bits (relative error
 * at most 2<sup>-8</sup> per rounding). Sums are still accumulated in float32; only what travels
 * is rounded, and the ranks still end with bit-identical results. IEEE half precision (fp16) is not
 * offered: gradients below 6e-8 would flush to zero without loss scaling.
 */
public enum WirePrecision {
    /** Exact: 4 bytes per value. */
    FLOAT32(4),
    /** bfloat16 (round to nearest even): 2 bytes per value. */
    BFLOAT16(2);

    private final int bytesPerValue;

    WirePrecision(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    /** Returns the bytes one value takes on the wire. */
    public int bytesPerValue() {
        return bytesPerValue;
    }
}
