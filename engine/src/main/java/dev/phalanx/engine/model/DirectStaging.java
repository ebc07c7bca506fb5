package dev.phalanx.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A reused direct buffer that floats are copied into on their way to a PyTorch tensor. DJL copies
 * a heap or float-view buffer into a newly allocated direct buffer on every {@code create}, but
 * takes a native-order direct byte buffer as it is; reusing one avoids an allocation per batch.
 * The buffer grows when a larger batch comes and is never shared between threads.
 */
final class DirectStaging {

    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    /** Copies the first {@code floats} values of {@code source} and returns them as bytes. */
    ByteBuffer put(FloatBuffer source, int floats) {
        ByteBuffer staged = sized(floats);
        staged.asFloatBuffer().put(0, source, 0, floats);
        return staged;
    }

    /** Copies the first {@code floats} values of {@code source} and returns them as bytes. */
    ByteBuffer put(float[] source, int floats) {
        ByteBuffer staged = sized(floats);
        staged.asFloatBuffer().put(0, source, 0, floats);
        return staged;
    }

    private ByteBuffer sized(int floats) {
        int bytes = Math.multiplyExact(floats, Float.BYTES);
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        return buffer.clear().limit(bytes);
    }
}
