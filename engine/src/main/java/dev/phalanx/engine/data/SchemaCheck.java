package dev.phalanx.engine.data;

import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/** Checks a DataFrame's schema against a {@link ColumnSpec} before any Spark job runs. */
public final class SchemaCheck {

    private SchemaCheck() {}

    /**
     * Throws {@link InvalidDataException} naming the column when a column is missing or has a type
     * Phalanx cannot train on.
     */
    public static void validate(StructType schema, ColumnSpec columns) {
        validateFeatures(schema, columns.featuresCol());
        DataType label = typeOf(schema, columns.labelCol(), "label");
        if (!(label instanceof NumericType)) {
            throw new InvalidDataException("label column '" + columns.labelCol() + "' has type "
                    + label.simpleString() + "; expected a numeric type holding class indices");
        }
    }

    /**
     * Throws {@link InvalidDataException} naming the column when the features column is missing or
     * is neither a numeric array nor an ML Vector.
     */
    public static void validateFeatures(StructType schema, String featuresCol) {
        DataType features = typeOf(schema, featuresCol, "features");
        boolean numericArray = features instanceof ArrayType array && array.elementType() instanceof NumericType;
        if (!numericArray && !features.equals(SQLDataTypes.VectorType()) && !(features instanceof BinaryType)) {
            throw new InvalidDataException("features column '" + featuresCol + "' has type "
                    + features.simpleString() + "; expected an array of numbers, an ML Vector or encoded image bytes");
        }
    }

    private static DataType typeOf(StructType schema, String column, String role) {
        if (!Arrays.asList(schema.fieldNames()).contains(column)) {
            throw new InvalidDataException(role + " column '" + column + "' not found; the data has columns "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(column).dataType();
    }
}
