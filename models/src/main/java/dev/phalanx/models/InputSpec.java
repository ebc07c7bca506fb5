package dev.phalanx.models;

import ai.djl.ndarray.types.Shape;
import java.io.Serializable;
import java.util.Arrays;

/**
 * What a model is fed: the shape of one sample (without the batch axis) and the number of classes
 * (the model's outputs per sample: one for regression).
 *
 * @param sampleShape dimensions of one sample, for example {@code [784]} or {@code [1, 28, 28]}
 * @param numClasses number of output classes
 */
public record InputSpec(long[] sampleShape, int numClasses) implements Serializable {

    /** Checks the values so that a bad spec fails here and not deep inside a forward pass. */
    public InputSpec {
        if (sampleShape == null || sampleShape.length == 0) {
            throw new IllegalArgumentException("sample shape must have at least one dimension");
        }
        for (long d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException(
                        "sample shape dimensions must be positive, got " + Arrays.toString(sampleShape));
            }
        }
        if (numClasses < 1) {
            throw new IllegalArgumentException("num_classes must be at least 1, got " + numClasses);
        }
        sampleShape = sampleShape.clone();
    }

    /** Returns the number of values in one sample. */
    public long sampleSize() {
        long n = 1;
        for (long d : sampleShape) {
            n *= d;
        }
        return n;
    }

    /** Returns the DJL shape of a batch of {@code batchSize} samples. */
    public Shape batchShape(long batchSize) {
        long[] dims = new long[sampleShape.length + 1];
        dims[0] = batchSize;
        System.arraycopy(sampleShape, 0, dims, 1, sampleShape.length);
        return new Shape(dims);
    }

    @Override
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec other
                && numClasses == other.numClasses
                && Arrays.equals(sampleShape, other.sampleShape);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(sampleShape) + numClasses;
    }

    @Override
    public String toString() {
        return "InputSpec" + Arrays.toString(sampleShape) + "->" + numClasses;
    }
}
