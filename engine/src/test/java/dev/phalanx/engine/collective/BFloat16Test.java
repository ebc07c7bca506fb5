package dev.phalanx.engine.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BFloat16Test {

    private static float round(float value) {
        return BFloat16.toFloat(BFloat16.fromFloat(value));
    }

    @Test
    void valuesThatFitInBfloat16AreUnchanged() {
        for (float value : new float[] {0f, -0f, 1f, -2.5f, 0.15625f, Float.MIN_NORMAL, 65536f}) {
            assertEquals(Float.floatToRawIntBits(value), Float.floatToRawIntBits(round(value)), "value " + value);
        }
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        float ulp = (float) Math.pow(2, -7); // bfloat16's spacing just above 1
        assertEquals(1f, round(1f + ulp / 2), "a tie between 1 and 1 + ulp goes to the even 1");
        assertEquals(1f + 2 * ulp, round(1f + 1.5f * ulp), "a tie between 1 + ulp and 1 + 2 ulp goes to the even 1 + 2 ulp");
        assertEquals(1f + ulp, round(1f + ulp / 2 + (float) Math.pow(2, -20)), "above the tie rounds up");
        assertEquals(1f, round(1f + ulp / 2 - (float) Math.pow(2, -20)), "below the tie rounds down");
        assertEquals(-1f - ulp, round(-1f - ulp / 2 - (float) Math.pow(2, -20)), "negative values round by magnitude");
    }

    @Test
    void nonFiniteValuesStayWhatTheyAre() {
        assertTrue(Float.isNaN(round(Float.NaN)));
        // A NaN whose payload sits only in the low bits would become an infinity if truncated.
        assertTrue(Float.isNaN(round(Float.intBitsToFloat(0x7F800001))));
        assertEquals(Float.POSITIVE_INFINITY, round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, round(Float.NEGATIVE_INFINITY));
    }

    @Test
    void theRelativeErrorIsAtMostTwoToTheMinusEight() {
        SplittableRandom random = new SplittableRandom(3);
        double bound = Math.pow(2, -8);
        for (int i = 0; i < 100_000; i++) {
            float value = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(-20, 20)));
            double error = Math.abs(round(value) - (double) value);
            assertTrue(error <= bound * Math.abs(value), "value " + value + " rounded to " + round(value));
        }
    }

    @Test
    void bufferConversionsCoverBlocksAndOffsets() {
        int count = 40_001; // more than two blocks
        int offset = 7;
        FloatBuffer source = floats(count + offset);
        FloatBuffer target = floats(count + offset);
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < count + offset; i++) {
            source.put(i, (float) random.nextDouble(-4, 4));
            target.put(i, 1f);
        }
        BFloat16 codec = new BFloat16();
        ByteBuffer wire = ByteBuffer.allocateDirect(count * Short.BYTES).order(ByteOrder.nativeOrder());
        codec.encode(source, offset, count, wire);

        codec.addDecoded(wire, target, offset, count);
        FloatBuffer decoded = floats(count);
        codec.decode(wire, decoded, 0, count);
        for (int i = 0; i < offset; i++) {
            assertEquals(1f, target.get(i), "before the offset, index " + i);
        }
        for (int i = 0; i < count; i++) {
            float expected = round(source.get(offset + i));
            assertEquals(expected, decoded.get(i), "decoded, index " + i);
            assertEquals(1f + expected, target.get(offset + i), "added, index " + i);
        }
    }

    private static FloatBuffer floats(int count) {
        return ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
}
