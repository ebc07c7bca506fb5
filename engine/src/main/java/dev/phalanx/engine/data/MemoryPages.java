package dev.phalanx.engine.data;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Logger;

/**
 * The in-memory part of a shard: fixed-size records (the features as float32, then the label as an
 * int32) in direct-memory pages, allocated one at a time while the next whole page fits the
 * budget. A record never straddles two pages, so reading one is one bulk copy. Not thread-safe.
 */
final class MemoryPages implements AutoCloseable {

    /**
     * Large enough that a 512 MiB budget is 128 allocations, small enough that a tiny shard wastes
     * little; a page never exceeds the budget.
     */
    static final int MAX_PAGE_BYTES = 4 << 20;

    private static final Logger LOG = Logger.getLogger(MemoryPages.class.getName());

    private final int featureLength;
    private final int recordFloats;
    private final int recordsPerPage;
    private final long budget;
    private final List<ByteBuffer> pages = new ArrayList<>();
    private final List<FloatBuffer> floatViews = new ArrayList<>();
    private int count;
    private boolean full;

    /** Creates an empty store of records of {@code featureLength} floats and a label, within {@code budget} bytes. */
    MemoryPages(int featureLength, long budget) {
        this.featureLength = featureLength;
        this.recordFloats = featureLength + 1;
        this.budget = budget;
        long recordBytes = (long) recordFloats * Float.BYTES;
        long pageBytes = Math.min(Math.max(MAX_PAGE_BYTES, recordBytes), budget);
        this.recordsPerPage = (int) (pageBytes / recordBytes);
    }

    /**
     * Appends a record if it fits the budget.
     *
     * @return false when the budget is used up; then this and every later call stores nothing
     */
    boolean tryAppend(float[] features, int label) {
        int slot = count % Math.max(recordsPerPage, 1);
        if (slot == 0 && !addPage()) {
            return false;
        }
        int page = count / recordsPerPage;
        int offset = slot * recordFloats;
        floatViews.get(page).put(offset, features);
        pages.get(page).putInt((offset + featureLength) * Float.BYTES, label);
        count++;
        return true;
    }

    private boolean addPage() {
        int pageBytes = recordsPerPage * recordFloats * Float.BYTES;
        if (full || recordsPerPage == 0 || allocatedBytes() + pageBytes > budget) {
            full = true;
            return false;
        }
        ByteBuffer page;
        try {
            page = DirectBuffers.allocate(pageBytes);
        } catch (OutOfMemoryError e) {
            // Direct memory is capped by -XX:MaxDirectMemorySize (by default the heap size), which
            // the budget may exceed on a small executor: spilling the rest beats failing the task.
            LOG.warning("direct memory ran out after " + allocatedBytes() + " bytes of the shard's budget of "
                    + budget + " (" + e.getMessage() + "); the rest of the shard spills to disk");
            full = true;
            return false;
        }
        pages.add(page);
        floatViews.add(page.asFloatBuffer());
        return true;
    }

    /**
     * Copies the features of record {@code index} into {@code out} at float index {@code outIndex}
     * and returns its label.
     */
    int read(int index, FloatBuffer out, int outIndex) {
        int page = index / recordsPerPage;
        int offset = (index % recordsPerPage) * recordFloats;
        out.put(outIndex, floatViews.get(page), offset, featureLength);
        return pages.get(page).getInt((offset + featureLength) * Float.BYTES);
    }

    /** Returns the number of records held. */
    int count() {
        return count;
    }

    /** Returns the bytes of direct memory the pages take. */
    long allocatedBytes() {
        return (long) pages.size() * recordsPerPage * recordFloats * Float.BYTES;
    }

    /** Frees every page; idempotent. */
    @Override
    public void close() {
        floatViews.clear();
        for (ByteBuffer page : pages) {
            DirectBuffers.free(page);
        }
        pages.clear();
        full = true;
    }
}
