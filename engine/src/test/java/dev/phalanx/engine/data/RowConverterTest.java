package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;

class RowConverterTest {

    private final RowConverter converter = new RowConverter(new ColumnSpec("x", "y", 3, 4));

    @Test
    void convertsNumericArraysAndVectors() {
        LabeledSample fromDoubles = converter.convert(RowFactory.create(List.of(0.5, 1.0, 2.0), 3L), 0);
        assertArrayEquals(new float[] {0.5f, 1f, 2f}, fromDoubles.features());
        assertEquals(3, fromDoubles.label());
        LabeledSample fromSparse = converter.convert(
                RowFactory.create(Vectors.sparse(3, new int[] {1}, new double[] {7}), 2.0), 0);
        assertArrayEquals(new float[] {0f, 7f, 0f}, fromSparse.features());
        assertEquals(2, fromSparse.label());
    }

    @Test
    void badValuesNameTheColumnAndRow() {
        assertMessage(RowFactory.create(null, 1), "column 'x', row 12: is null");
        assertMessage(RowFactory.create(List.of(1f, 2f), 1), "column 'x', row 12: has 2 values; expected 3");
        assertMessage(RowFactory.create(List.of(1f, Float.NaN, 2f), 1), "column 'x', row 12: has NaN at index 1");
        assertMessage(RowFactory.create(Arrays.asList(1f, null, 2f), 1), "column 'x', row 12: has a null at index 1");
        assertMessage(RowFactory.create(List.of(1f, 2f, 3f), 4), "column 'y', row 12: is 4.0; expected a class index in [0, 4)");
        assertMessage(RowFactory.create(List.of(1f, 2f, 3f), 1.5), "column 'y', row 12: is 1.5");
        assertMessage(RowFactory.create(List.of(1f, 2f, 3f), null), "column 'y', row 12: is null");
    }

    private void assertMessage(Row row, String expectedStart) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> converter.convert(row, 12));
        assertEquals(expectedStart, e.getMessage().substring(0, Math.min(e.getMessage().length(), expectedStart.length())));
    }
}
