package dev.phalanx.engine.data;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;

/**
 * The IDX files this JVM read last, kept softly, so that whoever reads the same unchanged file next
 * does not decompress it again: the driver reads a data set for its fingerprint and, in local mode,
 * the workers in the same JVM then read it for their shards (on a cluster, the workers of one
 * executor share one read). A file whose size or modification time changed is read again; the
 * garbage collector may drop the entries whenever memory is short.
 */
final class IdxFileCache {

    private record Key(Path path, int rank, long size, FileTime modified) {}

    private static final Map<Key, SoftReference<IdxFile>> FILES = new HashMap<>();
    /** At most this many files: one data set's images and labels. */
    private static final int CAPACITY = 2;

    private IdxFileCache() {}

    /** Returns {@code path} as {@link IdxFile#read} reads it, from this cache when it holds the unchanged file. */
    static IdxFile read(Path path, int rank) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
        Key key = new Key(path.toAbsolutePath().normalize(), rank, attributes.size(),
                attributes.lastModifiedTime());
        synchronized (FILES) {
            SoftReference<IdxFile> cached = FILES.get(key);
            IdxFile file = cached == null ? null : cached.get();
            if (file != null) {
                return file;
            }
        }
        // Read outside the lock: two workers reading at once each decompress, neither waits.
        IdxFile file = IdxFile.read(path, rank);
        synchronized (FILES) {
            FILES.values().removeIf(reference -> reference.get() == null);
            if (FILES.size() >= CAPACITY && !FILES.containsKey(key)) {
                FILES.clear();
            }
            FILES.put(key, new SoftReference<>(file));
        }
        return file;
    }
}
