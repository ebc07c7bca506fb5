package dev.phalanx.engine.data;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/** Infers the number of classes from a label column when the user did not declare it. */
public final class LabelCount {

    private LabelCount() {}

    /**
     * Returns one more than the largest label (one Spark aggregation).
     *
     * @throws InvalidDataException naming the column when it holds no value or its largest value is
     *     not a class index
     */
    public static int infer(Dataset<Row> data, String labelCol) {
        Row max = data.agg(functions.max(functions.col(labelCol).cast("double"))).first();
        if (max.isNullAt(0)) {
            throw new InvalidDataException("label column '" + labelCol + "' has no non-null value: cannot train");
        }
        double largest = max.getDouble(0);
        if (largest < 0 || largest != Math.rint(largest) || largest >= Integer.MAX_VALUE) {
            throw new InvalidDataException("label column '" + labelCol + "' has largest value " + largest
                    + "; expected whole-number class indices from 0");
        }
        return (int) largest + 1;
    }
}
