package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.FeatureDomain;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import javax.imageio.ImageIO;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Sharding reads Spark's internal rows; scoring and the checks before it read {@code Row}s. On
 * real Spark, both paths must turn every row of every accepted column type into the same sample,
 * or refuse it with the same message.
 */
class InternalRowConversionTest {

    @Test
    void numericArraysOfEveryElementTypeAndEveryLabelType() {
        DataType[] elements = {DataTypes.FloatType, DataTypes.DoubleType, DataTypes.IntegerType, DataTypes.LongType,
            DataTypes.ShortType, DataTypes.ByteType, DataTypes.createDecimalType(12, 3)};
        DataType[] labels = {DataTypes.IntegerType, DataTypes.LongType, DataTypes.DoubleType, DataTypes.FloatType,
            DataTypes.ShortType, DataTypes.ByteType, DataTypes.createDecimalType(5, 1)};
        ColumnSpec columns = new ColumnSpec("x", "y", 3, 4);
        for (int t = 0; t < elements.length; t++) {
            List<Row> rows = new ArrayList<>();
            rows.add(RowFactory.create(array(elements[t], 1, 2, 3), label(labels[t], 2)));
            rows.add(RowFactory.create(array(elements[t], -7, 0, 120), label(labels[t], 0)));
            rows.add(RowFactory.create(array(elements[t], 1, 2), label(labels[t], 1)));
            rows.add(RowFactory.create(Arrays.asList(element(elements[t], 1), null, element(elements[t], 3)),
                    label(labels[t], 1)));
            rows.add(RowFactory.create(null, label(labels[t], 1)));
            rows.add(RowFactory.create(array(elements[t], 1, 2, 3), label(labels[t], 4)));
            rows.add(RowFactory.create(array(elements[t], 1, 2, 3), null));
            StructType schema = new StructType().add("x", DataTypes.createArrayType(elements[t], true))
                    .add("y", labels[t]);
            List<String> outcomes = assertBothPathsAgree(rows, schema, columns);
            assertEquals("[1.0, 2.0, 3.0] -> 2", outcomes.get(0), elements[t].simpleString());
            assertEquals("[-7.0, 0.0, 120.0] -> 0", outcomes.get(1), elements[t].simpleString());
            assertEquals("column 'x', row 2: has 2 values; expected 3", outcomes.get(2));
            assertEquals("column 'x', row 3: has a null at index 1", outcomes.get(3));
            assertEquals("column 'x', row 4: is null", outcomes.get(4));
            assertTrue(outcomes.get(5).startsWith("column 'y', row 5: is 4.0; expected a class index"), outcomes.get(5));
            assertEquals("column 'y', row 6: is null", outcomes.get(6));
        }
    }

    @Test
    void roundingNonFiniteValuesRegressionTargetsAndTokenIds() {
        // 2^60 + 2^36 + 1 rounds up to the float 2^60 + 2^37; through a double it would first lose
        // the 1, land exactly halfway and round down to 2^60.
        long awkward = (1L << 60) + (1L << 36) + 1;
        List<Row> longs = List.of(RowFactory.create(List.of(awkward, -awkward, 3L), 1.25),
                RowFactory.create(List.of(1L, 2L, 3L), Double.NaN));
        StructType longSchema = new StructType().add("x", DataTypes.createArrayType(DataTypes.LongType, false))
                .add("y", DataTypes.DoubleType);
        ColumnSpec regression = new ColumnSpec("x", "y", 3, 1, FeatureDomain.real(), null,
                Objective.MSE);
        List<String> outcomes = assertBothPathsAgree(longs, longSchema, regression);
        assertEquals(Arrays.toString(new float[] {(float) awkward, (float) -awkward, 3}) + " -> "
                + Objective.MSE.encode(1.25), outcomes.get(0));
        assertTrue(outcomes.get(1).startsWith("column 'y', row 1: is NaN"), outcomes.get(1));

        // Floats that cannot be null: Spark's binary array is copied in bulk, and checked the same.
        List<Row> floats = List.of(RowFactory.create(List.of(1f, Float.NaN, 2f), 1),
                RowFactory.create(List.of(1f, Float.POSITIVE_INFINITY, 2f), 1),
                RowFactory.create(List.of(1f, 2.5f, -3f), 2), RowFactory.create(List.of(1f, 2f), 0));
        StructType floatSchema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType, false))
                .add("y", DataTypes.IntegerType);
        assertEquals(List.of("column 'x', row 0: has NaN at index 1", "column 'x', row 1: has Infinity at index 1",
                "[1.0, 2.5, -3.0] -> 2", "column 'x', row 3: has 2 values; expected 3"),
                assertBothPathsAgree(floats, floatSchema, new ColumnSpec("x", "y", 3, 4)));
        List<Row> floatIds = List.of(RowFactory.create(List.of(7f, 3f), 1), RowFactory.create(List.of(1f, 2f, 3f, 4f,
                5f), 0));
        assertEquals(List.of("[7.0, 3.0, 0.0, 0.0] -> 1", "[1.0, 2.0, 3.0, 4.0] -> 0"), assertBothPathsAgree(floatIds,
                new StructType().add("ids", DataTypes.createArrayType(DataTypes.FloatType, false))
                        .add("y", DataTypes.IntegerType),
                new ColumnSpec("ids", "y", 4, 2, FeatureDomain.tokens(10), null, Objective.CROSS_ENTROPY)));

        ColumnSpec tokens = new ColumnSpec("ids", "y", 4, 2, FeatureDomain.tokens(10), null,
                Objective.CROSS_ENTROPY);
        List<Row> ids = List.of(RowFactory.create(List.of(7, 3), 1), RowFactory.create(List.of(1, 2, 3, 4, 5, 6), 0),
                RowFactory.create(List.of(4, 10), 1));
        StructType idSchema = new StructType().add("ids", DataTypes.createArrayType(DataTypes.IntegerType, false))
                .add("y", DataTypes.IntegerType);
        assertEquals(List.of("[7.0, 3.0, 0.0, 0.0] -> 1", "[1.0, 2.0, 3.0, 4.0] -> 0",
                "column 'ids', row 2: has 10.0 at index 1; expected a token id in [0, 10)"),
                assertBothPathsAgree(ids, idSchema, tokens));
    }

    @Test
    void vectorsAndEncodedImages() throws IOException {
        List<Row> vectors = List.of(RowFactory.create(Vectors.dense(0.5, 1, 2), 3),
                RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {7}), 2),
                RowFactory.create(Vectors.dense(1, 2), 1));
        StructType vectorSchema = new StructType().add("x", SQLDataTypes.VectorType()).add("y", DataTypes.IntegerType);
        assertEquals(List.of("[0.5, 1.0, 2.0] -> 3", "[0.0, 7.0, 0.0] -> 2", "column 'x', row 2: has 2 values;"
                + " expected 3"), assertBothPathsAgree(vectors, vectorSchema, new ColumnSpec("x", "y", 3, 4)));

        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(1, 0, 0, 255);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        List<Row> images = List.of(RowFactory.create(png.toByteArray(), 1), RowFactory.create(new byte[] {1, 2, 3}, 0));
        StructType imageSchema = new StructType().add("x", DataTypes.BinaryType).add("y", DataTypes.IntegerType);
        ColumnSpec imageColumns = new ColumnSpec("x", "y", 2, 2, FeatureDomain.real(),
                ImageFormat.forShape(new long[] {1, 1, 2}, null, null), Objective.CROSS_ENTROPY);
        List<String> outcomes = assertBothPathsAgree(images, imageSchema, imageColumns);
        assertEquals("[0.0, 1.0] -> 1", outcomes.get(0));
        assertTrue(outcomes.get(1).startsWith("column 'x', row 1: "), outcomes.get(1));
    }

    /** Converts every row both ways on Spark's executors and returns the common outcomes. */
    private static List<String> assertBothPathsAgree(List<Row> rows, StructType schema, ColumnSpec columns) {
        Dataset<Row> data = SparkTestSession.get().createDataFrame(rows, schema).repartition(1);
        RowConverter converter = new RowConverter(columns);
        List<String> external = data.javaRDD().zipWithIndex()
                .map(row -> outcome(() -> converter.convert(row._1(), row._2()))).collect();
        List<String> internal = data.queryExecution().toRdd().toJavaRDD().zipWithIndex()
                .map(row -> outcome(() -> converter.convert(row._1(), schema, row._2()))).collect();
        assertEquals(external, internal, schema.simpleString());
        assertEquals(rows.size(), internal.size());
        return internal;
    }

    private static String outcome(Supplier<LabeledSample> conversion) {
        try {
            LabeledSample sample = conversion.get();
            return Arrays.toString(sample.features()) + " -> " + sample.label();
        } catch (InvalidDataException e) {
            return e.getMessage();
        }
    }

    private static List<Object> array(DataType element, int... values) {
        List<Object> list = new ArrayList<>();
        for (int value : values) {
            list.add(element(element, value));
        }
        return list;
    }

    private static Object element(DataType type, int value) {
        if (type.equals(DataTypes.FloatType)) {
            return (float) value;
        } else if (type.equals(DataTypes.DoubleType)) {
            return (double) value;
        } else if (type.equals(DataTypes.LongType)) {
            return (long) value;
        } else if (type.equals(DataTypes.ShortType)) {
            return (short) value;
        } else if (type.equals(DataTypes.ByteType)) {
            return (byte) value;
        } else if (type.equals(DataTypes.IntegerType)) {
            return value;
        }
        return new BigDecimal(value).setScale(((DecimalType) type).scale());
    }

    private static Object label(DataType type, int value) {
        return element(type, value);
    }
}
