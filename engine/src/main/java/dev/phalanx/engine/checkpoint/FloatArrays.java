package dev.phalanx.engine.checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Float arrays on disk: a length, then the values as little-endian float32, in 64 KiB chunks. */
final class FloatArrays {

    private static final int CHUNK_FLOATS = 16 * 1024;

    private FloatArrays() {}

    static void write(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
            int count = Math.min(CHUNK_FLOATS, values.length - from);
            chunk.clear();
            chunk.asFloatBuffer().put(values, from, count);
            out.write(chunk.array(), 0, count * Float.BYTES);
        }
    }

    static float[] read(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0) {
            throw new IOException("negative array length " + length);
        }
        float[] values = new float[length];
        byte[] chunk = new byte[CHUNK_FLOATS * Float.BYTES];
        for (int from = 0; from < length; from += CHUNK_FLOATS) {
            int count = Math.min(CHUNK_FLOATS, length - from);
            in.readFully(chunk, 0, count * Float.BYTES);
            ByteBuffer.wrap(chunk, 0, count * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer()
                    .get(values, from, count);
        }
        return values;
    }

    /**
     * Reads from an array written by {@link #write}, positioned at its length: skips {@code skip}
     * values, reads {@code count} into {@code into} from {@code at}, and skips the rest, so the
     * stream ends after the array. The file is read in chunks; only the values asked for are kept.
     *
     * @throws IOException if the array is shorter than {@code skip + count}
     */
    static void readRange(DataInputStream in, int skip, int count, float[] into, int at) throws IOException {
        readRange(in, skip, count, FloatBuffer.wrap(into), at);
    }

    /** As {@link #readRange(DataInputStream, int, int, float[], int)}, into a buffer (a direct one, say). */
    static void readRange(DataInputStream in, int skip, int count, FloatBuffer into, int at) throws IOException {
        int length = in.readInt();
        if (length < 0 || (long) skip + count > length) {
            throw new IOException("an array of " + length + " values has no values " + skip + " to " + (skip + count));
        }
        in.skipNBytes((long) skip * Float.BYTES);
        byte[] chunk = new byte[CHUNK_FLOATS * Float.BYTES];
        for (int from = 0; from < count; from += CHUNK_FLOATS) {
            int n = Math.min(CHUNK_FLOATS, count - from);
            in.readFully(chunk, 0, n * Float.BYTES);
            into.put(at + from, ByteBuffer.wrap(chunk, 0, n * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN)
                    .asFloatBuffer(), 0, n);
        }
        in.skipNBytes((long) (length - skip - count) * Float.BYTES);
    }
}
