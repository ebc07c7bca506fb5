package dev.phalanx.engine.collective;

import java.nio.ByteBuffer;

/**
 * A buffer of native-order float32 values whose current copy lives either in host memory or on an
 * accelerator: what a {@link Communicator} is handed when the values it reduces (a model's flat
 * gradient) are computed on a device. The buffer keeps track of which side is current, so a
 * transport that works on host memory (the TCP ring) stages the values through the one direct host
 * buffer behind {@link #onHost()} — one device-to-host copy, and the device sees the result only
 * when something asks for it there — while a transport that reduces in device memory (NCCL) could
 * take the device side and leave the host untouched.
 */
public interface DeviceBuffer {

    /** Returns the number of float32 values. */
    int floats();

    /**
     * Returns the values as a direct buffer of native-order floats in host memory, position 0 and
     * limit {@link #floats()}, copying them off the device first when the device holds the current
     * ones. Writes through the returned buffer must be followed by {@link #writtenOnHost()}.
     */
    ByteBuffer onHost();

    /** Records that the host copy was written, so the device copy is refreshed before it is next used. */
    void writtenOnHost();
}
