package dev.phalanx.engine.data;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Allocates direct buffers and frees them at once instead of whenever the garbage collector gets
 * to them: a shard's pages can be hundreds of MiB that a small heap would otherwise keep alive
 * long after the task ended.
 */
final class DirectBuffers {

    private static final Logger LOG = Logger.getLogger(DirectBuffers.class.getName());
    private static final MethodHandle INVOKE_CLEANER = findInvokeCleaner();

    private DirectBuffers() {}

    /** Returns a new direct buffer of {@code bytes} bytes in the platform's byte order. */
    static ByteBuffer allocate(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /**
     * Releases the memory of a buffer made by {@link #allocate}. The buffer and every view of it
     * must not be touched afterwards.
     */
    static void free(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invokeExact(buffer);
        } catch (Throwable e) {
            LOG.log(Level.WARNING, "cannot free a direct buffer; the garbage collector will", e);
        }
    }

    /**
     * {@code sun.misc.Unsafe.invokeCleaner} is the JDK's supported way (module jdk.unsupported,
     * open to all) to free a direct buffer deterministically before the Foreign Memory API; Netty,
     * Lucene and Spark use it too. Looked up reflectively so the build needs no internal API.
     */
    private static MethodHandle findInvokeCleaner() {
        try {
            Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
            Field field = unsafeClass.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(unsafeClass, "invokeCleaner", MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(field.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(Level.WARNING, "sun.misc.Unsafe.invokeCleaner is unavailable; shard memory is freed by the"
                    + " garbage collector instead of on close", e);
            return null;
        }
    }
}
