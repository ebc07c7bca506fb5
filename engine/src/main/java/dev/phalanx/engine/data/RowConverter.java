package dev.phalanx.engine.data;

import java.io.Serializable;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Turns a row of the two selected columns (features at 0, label at 1) into a {@link
 * LabeledSample}, rejecting values that would poison training. Runs on the executors.
 */
public final class RowConverter implements Serializable {

    private final ColumnSpec columns;
    private final FeatureReader features;

    /** Creates a converter for the given columns. */
    public RowConverter(ColumnSpec columns) {
        this.columns = columns;
        this.features = columns.featureReader();
    }

    /**
     * Converts one row.
     *
     * @param row a row whose field 0 is the features and field 1 the label
     * @param position the row's 0-based position in the input, quoted in error messages
     * @throws InvalidDataException naming the column and the row position
     */
    public LabeledSample convert(Row row, long position) {
        float[] values = features.read(row, 0, position);
        if (row.isNullAt(1)) {
            throw bad(columns.labelCol(), position, "is null");
        }
        return new LabeledSample(values, label(((Number) row.get(1)).doubleValue(), position));
    }

    /**
     * Converts Spark's internal form of a row, accepting and rejecting exactly what {@link
     * #convert(Row, long)} does (see {@link FeatureReader#read(InternalRow, int,
     * org.apache.spark.sql.types.DataType, long)} for why).
     *
     * @param schema the row's schema: the features column, then the label column
     * @param position the row's 0-based position in the input, quoted in error messages
     * @throws InvalidDataException naming the column and the row position
     */
    public LabeledSample convert(InternalRow row, StructType schema, long position) {
        float[] values = features.read(row, 0, schema.fields()[0].dataType(), position);
        if (row.isNullAt(1)) {
            throw bad(columns.labelCol(), position, "is null");
        }
        return new LabeledSample(values, label(SqlNumber.of(schema.fields()[1].dataType()).doubleAt(row, 1), position));
    }

    private int label(double value, long position) {
        if (!columns.objective().classifies()) {
            if (!Double.isFinite(value) || !Float.isFinite((float) value)) {
                throw bad(columns.labelCol(), position, "is " + value + "; expected a finite regression target");
            }
            return columns.objective().encode(value);
        }
        if (value != Math.rint(value) || value < 0 || value >= columns.numClasses()) {
            throw bad(columns.labelCol(), position, "is " + value + "; expected a class index in [0, "
                    + columns.numClasses() + ")");
        }
        return (int) value;
    }

    static InvalidDataException bad(String column, long position, String problem) {
        return new InvalidDataException("column '" + column + "', row " + position + ": " + problem);
    }
}
