package dev.phalanx.engine.data;

import dev.phalanx.models.FeatureDomain;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.unsafe.Platform;

/**
 * Reads one row's features (a numeric array, an ML Vector, or an encoded image) into floats, rejecting nulls, wrong
 * lengths and non-finite values with a message naming the column and the row. Token ids are
 * instead padded with {@link FeatureDomain#PAD} or cut to the length, and must be whole numbers
 * below the vocabulary size. Shared by training and batch inference so both accept exactly the
 * same inputs. Runs on the executors.
 */
public final class FeatureReader implements Serializable {

    private final String column;
    private final int length;
    private final FeatureDomain domain;
    private final ImageFormat image;

    /**
     * Creates a reader for {@code column}, whose values must have {@code length} elements.
     *
     * @param column the features column's name, quoted in error messages
     * @param length how many values each row must hold (token ids: is padded or cut to)
     * @param domain real values or token ids
     * @param image how to decode encoded images (a binary column), or null when samples are not images
     */
    public FeatureReader(String column, int length, FeatureDomain domain, ImageFormat image) {
        this.column = column;
        this.length = length;
        this.domain = domain;
        this.image = image;
    }

    /** Returns how many values each row holds. */
    public int length() {
        return length;
    }

    /**
     * Reads field {@code field} of {@code row}.
     *
     * @param position the row's 0-based position, quoted in error messages
     * @throws InvalidDataException naming the column and the row position
     */
    public float[] read(Row row, int field, long position) {
        if (row.isNullAt(field)) {
            throw bad(position, "is null");
        }
        Object value = row.get(field);
        if (value instanceof byte[] bytes) {
            return decode(bytes, position);
        }
        if (value instanceof Vector vector) {
            return fromVector(vector, position);
        }
        float[] out = new float[length];
        // Spark hands arrays over as Scala sequences; rows built by hand may hold Java lists.
        List<?> values = value instanceof List<?> list ? list : row.getList(field);
        int count = checkLength(values.size(), position);
        for (int i = 0; i < count; i++) {
            Object element = values.get(i);
            if (element == null) {
                throw bad(position, "has a null at index " + i);
            }
            out[i] = ((Number) element).floatValue();
        }
        return checked(out, count, position);
    }

    /**
     * Reads field {@code field} of Spark's internal form of a row, accepting and rejecting exactly
     * what {@link #read(Row, int, long)} does. Why a second path: turning an internal row into a
     * {@code Row} boxes every element of an array column (47 million {@code Float}s for
     * Fashion-MNIST), which cost more than everything else in sharding.
     *
     * @param type the field's SQL type: a numeric array, an ML Vector or binary
     * @param position the row's 0-based position, quoted in error messages
     * @throws InvalidDataException naming the column and the row position
     */
    public float[] read(InternalRow row, int field, DataType type, long position) {
        if (row.isNullAt(field)) {
            throw bad(position, "is null");
        }
        if (type instanceof BinaryType) {
            return decode(row.getBinary(field), position);
        }
        if (type instanceof UserDefinedType<?> udt) {
            return fromVector((Vector) udt.deserialize(row.get(field, udt.sqlType())), position);
        }
        if (!(type instanceof ArrayType arrayType)) {
            throw new IllegalArgumentException("column '" + column + "' is " + type.simpleString()
                    + "; expected an array of numbers, an ML Vector or binary");
        }
        SqlNumber elements = SqlNumber.of(arrayType.elementType());
        ArrayData values = row.getArray(field);
        float[] out = new float[length];
        int count = checkLength(values.numElements(), position);
        if (values instanceof UnsafeArrayData binary && arrayType.elementType() instanceof FloatType
                && !arrayType.containsNull()) {
            // Spark's binary array of floats that its type says holds no null (Spark's generated code
            // trusts that too): one bulk copy, not two calls per element.
            Platform.copyMemory(binary.getBaseObject(), binary.getBaseOffset()
                    + UnsafeArrayData.calculateHeaderPortionInBytes(count), out, Platform.FLOAT_ARRAY_OFFSET,
                    (long) count * Float.BYTES);
            return checked(out, count, position);
        }
        for (int i = 0; i < count; i++) {
            if (values.isNullAt(i)) {
                throw bad(position, "has a null at index " + i);
            }
            out[i] = elements.floatAt(values, i);
        }
        return checked(out, count, position);
    }

    private float[] fromVector(Vector vector, long position) {
        float[] out = new float[length];
        int count = checkLength(vector.size(), position);
        for (int i = 0; i < count; i++) {
            out[i] = (float) vector.apply(i);
        }
        return checked(out, count, position);
    }

    /** Rejects non-finite values and, for token ids, values outside the vocabulary; returns {@code out}. */
    private float[] checked(float[] out, int count, long position) {
        for (int i = 0; i < count; i++) {
            if (!Float.isFinite(out[i])) {
                throw bad(position, "has " + out[i] + " at index " + i);
            }
            if (domain.isTokens() && (out[i] < 0 || out[i] >= domain.vocabulary() || out[i] != Math.rint(out[i]))) {
                throw bad(position, "has " + out[i] + " at index " + i + "; expected a token id in [0, "
                        + domain.vocabulary() + ")");
            }
        }
        // Token ids past the row's end stay 0, the padding id.
        return out;
    }

    private float[] decode(byte[] bytes, long position) {
        if (image == null) {
            throw bad(position, "holds encoded image bytes, but the sample shape is not [1 or 3, height, width]");
        }
        String[] problem = new String[1];
        float[] pixels = image.decode(bytes, problem);
        if (pixels == null) {
            throw bad(position, problem[0]);
        }
        return pixels;
    }

    /** Returns how many values to read: all of them, or for token ids at most the length. */
    private int checkLength(int actual, long position) {
        if (domain.isTokens()) {
            return Math.min(actual, length);
        }
        if (actual != length) {
            throw bad(position, "has " + actual + " values; expected " + length);
        }
        return actual;
    }

    private InvalidDataException bad(long position, String problem) {
        return RowConverter.bad(column, position, problem);
    }
}
