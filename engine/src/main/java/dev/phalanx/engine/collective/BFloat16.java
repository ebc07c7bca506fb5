package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * Conversions between float32 and bfloat16 (the upper 16 bits of a float32), in blocks copied in
 * bulk between the buffers and two reused arrays, so the per-value loops run on plain arrays. C2 on
 * JDK 17 does not vectorise them (measured about 1.1 ns per value to round, 0.5 ns to add a decoded
 * value, against 0.07 ns for a float32 add; docs/BENCHMARKS-HISTORY.md, "Lever: bfloat16 gradients
 * on the wire"), which is why bfloat16 on the wire only pays on networks slower than about 10 Gb/s.
 */
final class BFloat16 {

    private static final int BLOCK = 16 * 1024;

    private final float[] floats = new float[BLOCK];
    private final short[] halves = new short[BLOCK];

    /** Returns {@code value} rounded to the nearest bfloat16 (ties to even); NaN stays a NaN. */
    static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            // Keep a quiet NaN: truncating alone could leave an all-zero significand, an infinity.
            return (short) ((bits >>> 16) | 0x0040);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /** Returns the float32 that bfloat16 {@code half} stands for, exactly. */
    static float toFloat(short half) {
        return Float.intBitsToFloat((half & 0xFFFF) << 16);
    }

    /** Writes {@code count} values of {@code source} from {@code index} as bfloat16 into {@code target} from its position. */
    void encode(FloatBuffer source, int index, int count, ByteBuffer target) {
        ShortBuffer out = shorts(target);
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            source.get(index + done, floats, 0, n);
            for (int i = 0; i < n; i++) {
                halves[i] = fromFloat(floats[i]);
            }
            out.put(done, halves, 0, n);
        }
    }

    /** Adds the {@code count} bfloat16 values at the position of {@code source} into {@code target} from {@code index}. */
    void addDecoded(ByteBuffer source, FloatBuffer target, int index, int count) {
        ShortBuffer in = shorts(source);
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            in.get(done, halves, 0, n);
            target.get(index + done, floats, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] += toFloat(halves[i]);
            }
            target.put(index + done, floats, 0, n);
        }
    }

    /** Writes the {@code count} bfloat16 values at the position of {@code source} into {@code target} from {@code index}. */
    void decode(ByteBuffer source, FloatBuffer target, int index, int count) {
        ShortBuffer in = shorts(source);
        for (int done = 0; done < count; done += BLOCK) {
            int n = Math.min(BLOCK, count - done);
            in.get(done, halves, 0, n);
            for (int i = 0; i < n; i++) {
                floats[i] = toFloat(halves[i]);
            }
            target.put(index + done, floats, 0, n);
        }
    }

    private static ShortBuffer shorts(ByteBuffer bytes) {
        return bytes.slice().order(ByteOrder.nativeOrder()).asShortBuffer();
    }
}
