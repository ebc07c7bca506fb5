package dev.phalanx.engine.checkpoint;

import java.util.Map;

/**
 * The completion marker of a checkpoint ({@code _COMMITTED}), written last: the files it vouches
 * for, each with its size and CRC32C. A checkpoint without it was never completed.
 *
 * @param format the format version
 * @param step the global step the checkpoint was taken after
 * @param writtenAtMillis when it was written
 * @param files file name to size and checksum
 */
record Manifest(int format, long step, long writtenAtMillis, Map<String, FileDigest> files) {

    /**
     * One file's size and checksum.
     *
     * @param bytes size in bytes
     * @param crc32c CRC32C of the content
     */
    record FileDigest(long bytes, long crc32c) {}
}
