package dev.phalanx.engine.checkpoint;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

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
}
