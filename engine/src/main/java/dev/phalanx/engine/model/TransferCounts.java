package dev.phalanx.engine.model;

/**
 * How many copies between host and device memory a device-resident replica made, and how many
 * bytes they moved, since it was built: what a GPU step costs in transfers, counted rather than
 * estimated.
 *
 * @param toHost device-to-host copies
 * @param toHostBytes bytes they moved
 * @param toDevice host-to-device copies
 * @param toDeviceBytes bytes they moved
 */
public record TransferCounts(long toHost, long toHostBytes, long toDevice, long toDeviceBytes) {

    /** No copies. */
    public static final TransferCounts NONE = new TransferCounts(0, 0, 0, 0);

    /** Returns the copies made between {@code earlier} and this count. */
    public TransferCounts since(TransferCounts earlier) {
        return new TransferCounts(toHost - earlier.toHost, toHostBytes - earlier.toHostBytes,
                toDevice - earlier.toDevice, toDeviceBytes - earlier.toDeviceBytes);
    }

    /** Returns these copies and {@code other}'s together. */
    public TransferCounts plus(TransferCounts other) {
        return new TransferCounts(toHost + other.toHost, toHostBytes + other.toHostBytes, toDevice + other.toDevice,
                toDeviceBytes + other.toDeviceBytes);
    }

    TransferCounts plusToHost(long bytes) {
        return new TransferCounts(toHost + 1, toHostBytes + bytes, toDevice, toDeviceBytes);
    }

    TransferCounts plusToDevice(long bytes) {
        return new TransferCounts(toHost, toHostBytes, toDevice + 1, toDeviceBytes + bytes);
    }
}
