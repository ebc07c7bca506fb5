package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.phalanx.engine.job.Objective;
import dev.phalanx.models.FeatureDomain;
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

    @Test
    void tokenIdsArePaddedOrCutToTheLengthAndMustBeInTheVocabulary() {
        RowConverter tokens = new RowConverter(new ColumnSpec("ids", "y", 4, 2, FeatureDomain.tokens(10), null,
                Objective.CROSS_ENTROPY));
        assertArrayEquals(new float[] {7, 3, 0, 0}, tokens.convert(RowFactory.create(List.of(7, 3), 1), 0).features());
        assertArrayEquals(new float[] {1, 2, 3, 4},
                tokens.convert(RowFactory.create(List.of(1, 2, 3, 4, 5, 6), 0), 0).features());
        assertArrayEquals(new float[] {0, 0, 0, 0}, tokens.convert(RowFactory.create(List.of(), 0), 0).features());
        InvalidDataException outside = assertThrows(InvalidDataException.class,
                () -> tokens.convert(RowFactory.create(List.of(4, 10), 1), 5));
        assertEquals("column 'ids', row 5: has 10.0 at index 1; expected a token id in [0, 10)", outside.getMessage());
        InvalidDataException fraction = assertThrows(InvalidDataException.class,
                () -> tokens.convert(RowFactory.create(List.of(2.5), 1), 6));
        assertEquals("column 'ids', row 6: has 2.5 at index 0; expected a token id in [0, 10)", fraction.getMessage());
    }

    private void assertMessage(Row row, String expectedStart) {
        InvalidDataException e = assertThrows(InvalidDataException.class, () -> converter.convert(row, 12));
        assertEquals(expectedStart, e.getMessage().substring(0, Math.min(e.getMessage().length(), expectedStart.length())));
    }
}
