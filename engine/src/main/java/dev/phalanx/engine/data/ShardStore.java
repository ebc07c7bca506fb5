package dev.phalanx.engine.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * One worker's shard, held off the Java heap: samples are fixed-size records (features as float32,
 * then the label) in direct-memory pages up to a byte budget, and the samples past the budget are
 * spilled to a file on local disk. So a shard may be larger than the heap, and gathering a batch
 * copies straight into the output buffer without creating an object per sample.
 *
 * <p>Sample {@code i} is the {@code i}-th appended; samples {@code [0, inMemory())} are in memory and
 * the rest in the spill file. Not thread-safe: fill, gather and close from one thread. {@link
 * #close()} frees the memory and deletes the spill file; call it on every path.
 */
public final class ShardStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ShardStore.class.getName());

    private final int featureLength;
    private final long memoryBudget;
    private final Path spillDir;
    private final String name;
    private final MemoryPages memory;
    private SpillFile spill;
    private int size;
    private boolean closed;

    private ShardStore(int featureLength, long memoryBudget, Path spillDir, String name) {
        this.featureLength = featureLength;
        this.memoryBudget = memoryBudget;
        this.spillDir = spillDir;
        this.name = name;
        this.memory = new MemoryPages(featureLength, memoryBudget);
    }

    /**
     * Drains {@code samples} into a new store, keeping their order, and logs how many samples are
     * in memory and how many spilled. The store is closed again if filling fails.
     *
     * @param featureLength the number of features of every sample
     * @param memoryBudget the most bytes of direct memory the samples may take; 0 spills all
     * @param spillDir where the spill file goes, if one is needed
     * @param name names the shard in the log and the spill file's name, such as {@code rank-1}
     * @throws UncheckedIOException when the spill file cannot be created or written
     */
    public static ShardStore fill(Iterator<LabeledSample> samples, int featureLength, long memoryBudget,
            Path spillDir, String name) {
        ShardStore store = new ShardStore(featureLength, memoryBudget, spillDir, name);
        boolean filled = false;
        try {
            while (samples.hasNext()) {
                store.append(samples.next());
            }
            if (store.spill != null) {
                store.spill.finishWriting();
            }
            filled = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot spill shard " + name + " to " + spillDir, e);
        } finally {
            if (!filled) {
                store.close();
            }
        }
        LOG.info(store.describe());
        return store;
    }

    private void append(LabeledSample sample) throws IOException {
        float[] features = sample.features();
        if (features.length != featureLength) {
            throw new IllegalArgumentException(
                    "sample " + size + " has " + features.length + " features; expected " + featureLength);
        }
        if (spill == null && !memory.tryAppend(features, sample.label())) {
            spill = SpillFile.create(spillDir, "phalanx-shard-" + name + "-", featureLength);
        }
        if (spill != null) {
            spill.append(features, sample.label());
        }
        size = Math.addExact(size, 1);
    }

    private String describe() {
        String inMemory = String.format("%s: %d samples, %d in memory (%s of direct memory, budget %s)",
                name, size, inMemory(), bytes(memory.allocatedBytes()), bytes(memoryBudget));
        return spill == null ? inMemory + ", 0 spilled"
                : String.format("%s, %d spilled to %s (%s)", inMemory, spilled(), spill.path(),
                        bytes(spilled() * (featureLength + 1L) * Float.BYTES));
    }

    private static String bytes(long bytes) {
        return bytes < (1 << 20) ? bytes + " bytes" : String.format("%.1f MiB", bytes / 1048576.0);
    }

    /** Returns the number of samples in the shard. */
    public int size() {
        return size;
    }

    /** Returns the number of samples held in memory. */
    public int inMemory() {
        return memory.count();
    }

    /** Returns the number of samples in the spill file. */
    public int spilled() {
        return size - memory.count();
    }

    /** Returns the spill file, if the shard did not fit its budget. */
    public Optional<Path> spillFile() {
        return spill == null ? Optional.empty() : Optional.of(spill.path());
    }

    /**
     * Writes the features of the samples at {@code order[from, from + count)} into {@code
     * featuresOut} (flattened, from its position 0, which it is left at, with its limit after the
     * last value) and their labels into {@code labelsOut}.
     *
     * @throws UncheckedIOException when the spill file cannot be read
     */
    public void gather(int[] order, int from, int count, FloatBuffer featuresOut, long[] labelsOut) {
        if (closed) {
            // The pages are freed: reading them now would read freed native memory.
            throw new IllegalStateException("shard " + name + " is closed");
        }
        featuresOut.clear();
        int inMemory = memory.count();
        try {
            for (int i = 0; i < count; i++) {
                int sample = order[from + i];
                int at = i * featureLength;
                labelsOut[i] = sample < inMemory ? memory.read(sample, featuresOut, at)
                        : spill.read(sample - inMemory, featuresOut, at);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read shard " + name + " from " + spill.path(), e);
        }
        featuresOut.limit(count * featureLength);
    }

    /** Frees the memory and deletes the spill file; idempotent, and logs rather than throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        memory.close();
        if (spill != null) {
            spill.close();
        }
    }
}
