package dev.phalanx.engine.data;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Iterator;

/**
 * One worker's shard, held as one flat float array of features and an int array of labels so a
 * batch is gathered with array copies and no per-sample objects.
 */
public final class ShardBuffer {

    private final int featureLength;
    private float[] features;
    private int[] labels;
    private int size;

    private ShardBuffer(int featureLength) {
        this.featureLength = featureLength;
        this.features = new float[featureLength * 1024];
        this.labels = new int[1024];
    }

    /** Drains {@code samples} into a new buffer, keeping their order. */
    public static ShardBuffer fill(Iterator<LabeledSample> samples, int featureLength) {
        ShardBuffer buffer = new ShardBuffer(featureLength);
        while (samples.hasNext()) {
            buffer.add(samples.next());
        }
        return buffer;
    }

    private void add(LabeledSample sample) {
        if (size == labels.length) {
            int capacity = Math.multiplyExact(labels.length, 2);
            labels = Arrays.copyOf(labels, capacity);
            features = Arrays.copyOf(features, Math.multiplyExact(capacity, featureLength));
        }
        System.arraycopy(sample.features(), 0, features, size * featureLength, featureLength);
        labels[size++] = sample.label();
    }

    /** Returns the number of samples in the shard. */
    public int size() {
        return size;
    }

    /**
     * Writes the samples at {@code order[from, from + count)} into {@code featuresOut} (flattened,
     * from its position 0) and their labels into {@code labelsOut}.
     */
    public void gather(int[] order, int from, int count, FloatBuffer featuresOut, long[] labelsOut) {
        featuresOut.clear();
        for (int i = 0; i < count; i++) {
            int sample = order[from + i];
            featuresOut.put(features, sample * featureLength, featureLength);
            labelsOut[i] = labels[sample];
        }
        featuresOut.flip();
    }
}
