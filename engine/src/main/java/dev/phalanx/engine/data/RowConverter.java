package dev.phalanx.engine.data;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/**
 * Turns a row of the two selected columns (features at 0, label at 1) into a {@link
 * LabeledSample}, rejecting values that would poison training. Runs on the executors.
 */
public final class RowConverter implements Serializable {

    private final ColumnSpec columns;

    /** Creates a converter for the given columns. */
    public RowConverter(ColumnSpec columns) {
        this.columns = columns;
    }

    /**
     * Converts one row.
     *
     * @param row a row whose field 0 is the features and field 1 the label
     * @param position the row's 0-based position in the input, quoted in error messages
     * @throws InvalidDataException naming the column and the row position
     */
    public LabeledSample convert(Row row, long position) {
        return new LabeledSample(features(row, position), label(row, position));
    }

    private float[] features(Row row, long position) {
        if (row.isNullAt(0)) {
            throw bad(columns.featuresCol(), position, "is null");
        }
        Object value = row.get(0);
        float[] out = new float[columns.featureLength()];
        int length;
        if (value instanceof Vector vector) {
            length = vector.size();
            checkLength(length, position);
            for (int i = 0; i < length; i++) {
                out[i] = (float) vector.apply(i);
            }
        } else {
            // Spark hands arrays over as Scala sequences; rows built by hand may hold Java lists.
            List<?> values = value instanceof List<?> list ? list : row.getList(0);
            length = values.size();
            checkLength(length, position);
            for (int i = 0; i < length; i++) {
                Object element = values.get(i);
                if (element == null) {
                    throw bad(columns.featuresCol(), position, "has a null at index " + i);
                }
                out[i] = ((Number) element).floatValue();
            }
        }
        for (int i = 0; i < length; i++) {
            if (!Float.isFinite(out[i])) {
                throw bad(columns.featuresCol(), position, "has " + out[i] + " at index " + i);
            }
        }
        return out;
    }

    private void checkLength(int length, long position) {
        if (length != columns.featureLength()) {
            throw bad(columns.featuresCol(), position,
                    "has " + length + " values; expected " + columns.featureLength());
        }
    }

    private int label(Row row, long position) {
        if (row.isNullAt(1)) {
            throw bad(columns.labelCol(), position, "is null");
        }
        double value = ((Number) row.get(1)).doubleValue();
        if (value != Math.rint(value) || value < 0 || value >= columns.numClasses()) {
            throw bad(columns.labelCol(), position, "is " + value + "; expected a class index in [0, "
                    + columns.numClasses() + ")");
        }
        return (int) value;
    }

    private static InvalidDataException bad(String column, long position, String problem) {
        return new InvalidDataException("column '" + column + "', row " + position + ": " + problem);
    }
}
