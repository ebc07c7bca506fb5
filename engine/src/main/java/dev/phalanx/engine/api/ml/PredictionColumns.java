package dev.phalanx.engine.api.ml;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The output columns of scoring — raw scores, probabilities, predicted class for a classifier; the
 * predicted value for a regressor — and how one sample's outputs become their values. A column
 * whose name is empty is left out, as in Spark ML's own models.
 *
 * @param rawPrediction column of the logits as an ML Vector, or empty
 * @param probability column of the softmax probabilities as an ML Vector, or empty
 * @param prediction column of the arg-max class index (a classifier) or the one output (a
 *     regressor) as a double, or empty
 * @param classifies whether the outputs are class scores, else one predicted value
 */
record PredictionColumns(String rawPrediction, String probability, String prediction, boolean classifies)
        implements Serializable {

    /** A classifier's columns. */
    PredictionColumns(String rawPrediction, String probability, String prediction) {
        this(rawPrediction, probability, prediction, true);
    }

    /** A regressor's one column, the predicted value. */
    static PredictionColumns regression(String prediction) {
        return new PredictionColumns("", "", prediction, false);
    }

    /** Returns {@code schema} with the output columns appended; fails if one already exists. */
    StructType appendTo(StructType schema) {
        List<StructField> fields = new ArrayList<>(Arrays.asList(schema.fields()));
        add(fields, schema, rawPrediction, SQLDataTypes.VectorType());
        add(fields, schema, probability, SQLDataTypes.VectorType());
        add(fields, schema, prediction, DataTypes.DoubleType);
        return new StructType(fields.toArray(new StructField[0]));
    }

    private static void add(List<StructField> fields, StructType schema, String name, DataType type) {
        if (name.isEmpty()) {
            return;
        }
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("output column '" + name + "' already exists in the input; "
                    + "choose another name with the matching set…Col method, or drop the column first");
        }
        fields.add(DataTypes.createStructField(name, type, false));
    }

    /** Returns how many columns {@link #appendTo} adds. */
    int count() {
        return (rawPrediction.isEmpty() ? 0 : 1) + (probability.isEmpty() ? 0 : 1) + (prediction.isEmpty() ? 0 : 1);
    }

    /**
     * Writes one sample's output values into {@code out} from index {@code at}, in column order.
     *
     * @param logits the scores of a batch, row-major
     * @param sample which sample of the batch
     * @param classes scores per sample
     */
    void fill(float[] logits, int sample, int classes, Object[] out, int at) {
        if (!classifies) {
            if (!prediction.isEmpty()) {
                out[at] = (double) logits[sample * classes];
            }
            return;
        }
        double[] raw = new double[classes];
        int best = 0;
        for (int c = 0; c < classes; c++) {
            raw[c] = logits[sample * classes + c];
            if (raw[c] > raw[best]) {
                best = c;
            }
        }
        if (!rawPrediction.isEmpty()) {
            out[at++] = Vectors.dense(raw.clone());
        }
        if (!probability.isEmpty()) {
            out[at++] = Vectors.dense(softmax(raw, best));
        }
        if (!prediction.isEmpty()) {
            out[at] = (double) best;
        }
    }

    /** Softmax shifted by the largest score, so large logits cannot overflow {@code exp}. */
    private static double[] softmax(double[] raw, int best) {
        double[] p = new double[raw.length];
        double sum = 0;
        for (int c = 0; c < raw.length; c++) {
            p[c] = Math.exp(raw[c] - raw[best]);
            sum += p[c];
        }
        for (int c = 0; c < raw.length; c++) {
            p[c] /= sum;
        }
        return p;
    }
}
