package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.LabelCount;
import java.util.List;
import org.apache.spark.ml.attribute.AttributeGroup;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.StructField;

/**
 * What the estimator infers about its input from the training DataFrame when the user did not
 * declare it: a flat sample as long as the features, and one class more than the largest label.
 */
final class FrameInput {

    private FrameInput() {}

    /**
     * Returns the declared sample shape, or (when {@code declared} is empty) a flat vector as long
     * as the features: from a VectorAssembler's metadata when it has it, else from the first row.
     *
     * @throws InvalidDataException for encoded images (they need a declared shape) or no features
     */
    static long[] sampleShape(Dataset<Row> frame, String column, int[] declared) {
        if (declared.length > 0) {
            long[] shape = new long[declared.length];
            for (int i = 0; i < declared.length; i++) {
                shape[i] = declared[i];
            }
            return shape;
        }
        StructField field = frame.schema().apply(column);
        if (field.dataType() instanceof BinaryType) {
            throw new InvalidDataException("features column '" + column + "' holds encoded images: set inputShape to"
                    + " [channels, height, width]");
        }
        // A VectorAssembler records the vector's length in the column's metadata: no job needed.
        if (field.dataType().equals(SQLDataTypes.VectorType())) {
            int length = AttributeGroup.fromStructField(field).size();
            if (length > 0) {
                return new long[] {length};
            }
        }
        List<Row> first = frame.select(column).where(functions.col(column).isNotNull()).limit(1).collectAsList();
        if (first.isEmpty()) {
            throw new InvalidDataException("features column '" + column + "' has no non-null value: cannot train");
        }
        Object value = first.get(0).get(0);
        int length = value instanceof Vector vector ? vector.size() : first.get(0).getList(0).size();
        return new long[] {length};
    }

    /** Returns the declared number of classes, or (when it is 0) one more than the largest label. */
    static int classes(Dataset<Row> frame, String labelCol, int declared) {
        return declared > 0 ? declared : LabelCount.infer(frame, labelCol);
    }
}
