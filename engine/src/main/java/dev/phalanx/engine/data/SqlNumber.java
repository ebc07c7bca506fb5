package dev.phalanx.engine.data;

import java.io.Serializable;
import org.apache.spark.sql.catalyst.expressions.SpecializedGetters;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;

/**
 * Reads values of one numeric SQL type out of Spark's internal rows and arrays, rounding exactly
 * as {@link Number#floatValue()} and {@link Number#doubleValue()} round the external values
 * ({@code Long}, {@code BigDecimal}, ...) that a {@code Row} would hold, so the internal and the
 * external paths read the same numbers.
 */
final class SqlNumber implements Serializable {

    private enum Kind { BYTE, SHORT, INT, LONG, FLOAT, DOUBLE, DECIMAL }

    private final Kind kind;
    private final int precision;
    private final int scale;

    private SqlNumber(Kind kind, int precision, int scale) {
        this.kind = kind;
        this.precision = precision;
        this.scale = scale;
    }

    /**
     * Returns the reader for {@code type}.
     *
     * @throws IllegalArgumentException if the type is not numeric (SchemaCheck refuses those first)
     */
    static SqlNumber of(DataType type) {
        if (type instanceof DecimalType decimal) {
            return new SqlNumber(Kind.DECIMAL, decimal.precision(), decimal.scale());
        }
        Kind kind = type instanceof ByteType ? Kind.BYTE
                : type instanceof ShortType ? Kind.SHORT
                : type instanceof IntegerType ? Kind.INT
                : type instanceof LongType ? Kind.LONG
                : type instanceof FloatType ? Kind.FLOAT
                : type instanceof DoubleType ? Kind.DOUBLE
                : null;
        if (kind == null) {
            throw new IllegalArgumentException(type.simpleString() + " is not a numeric type");
        }
        return new SqlNumber(kind, 0, 0);
    }

    /** Returns the value at {@code ordinal}, which must not be null, as a float. */
    float floatAt(SpecializedGetters source, int ordinal) {
        return switch (kind) {
            case FLOAT -> source.getFloat(ordinal);
            // A long or a decimal rounded through a double could round twice.
            case LONG -> (float) source.getLong(ordinal);
            case DECIMAL -> source.getDecimal(ordinal, precision, scale).toJavaBigDecimal().floatValue();
            default -> (float) doubleAt(source, ordinal);
        };
    }

    /** Returns the value at {@code ordinal}, which must not be null, as a double. */
    double doubleAt(SpecializedGetters source, int ordinal) {
        return switch (kind) {
            case BYTE -> source.getByte(ordinal);
            case SHORT -> source.getShort(ordinal);
            case INT -> source.getInt(ordinal);
            case LONG -> (double) source.getLong(ordinal);
            case FLOAT -> source.getFloat(ordinal);
            case DOUBLE -> source.getDouble(ordinal);
            case DECIMAL -> source.getDecimal(ordinal, precision, scale).toJavaBigDecimal().doubleValue();
        };
    }
}
