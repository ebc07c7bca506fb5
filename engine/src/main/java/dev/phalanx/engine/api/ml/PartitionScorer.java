package dev.phalanx.engine.api.ml;

import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.FeatureReader;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelSpec;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Scores one partition on an executor: builds the network once for the partition, feeds it
 * batches of rows and appends the prediction columns to each row. Rows stream through lazily, one
 * batch in memory at a time; the network is freed when the partition ends or the task does.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {

    private final ModelSpec model;
    private final InputSpec input;
    private final Broadcast<float[]> parameters;
    private final FeatureReader features;
    private final int featuresField;
    private final PredictionColumns outputs;
    private final int batchSize;

    /**
     * @param featuresField the index of the features column in the rows
     * @param batchSize how many rows go through the network at once
     */
    PartitionScorer(ModelSpec model, InputSpec input, Broadcast<float[]> parameters, FeatureReader features,
            int featuresField, PredictionColumns outputs, int batchSize) {
        this.model = model;
        this.input = input;
        this.parameters = parameters;
        this.features = features;
        this.featuresField = featuresField;
        this.outputs = outputs;
        this.batchSize = batchSize;
    }

    /**
     * Scores {@code frame} on the executors: the trained parameters go out as a broadcast, each
     * partition builds the network once and appends {@code outputs} to its rows.
     *
     * @param output the frame's schema with the output columns appended
     */
    static Dataset<Row> score(Dataset<Row> frame, StructType output, ModelSpec model, InputSpec input,
            float[] parameters, String featuresCol, double[] imageMean, double[] imageStd, Objective objective,
            PredictionColumns outputs, int batchSize) {
        Broadcast<float[]> shared = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext())
                .broadcast(parameters);
        FeatureReader features = ColumnSpec.of(featuresCol, "", ModelCatalog.inputDomain(model), input, imageMean,
                imageStd, objective).featureReader();
        PartitionScorer scorer = new PartitionScorer(model, input, shared, features,
                frame.schema().fieldIndex(featuresCol), outputs, batchSize);
        return frame.mapPartitions(scorer, Encoders.row(output));
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Scored(rows);
    }

    /** The scored rows of one partition, computed a batch at a time as they are pulled. */
    private final class Scored implements Iterator<Row> {

        private final Iterator<Row> rows;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private final Row[] batch = new Row[batchSize];
        private final FloatBuffer values = FloatBuffer.allocate(batchSize * features.length());
        private ModelReplica replica;
        private long position;

        Scored(Iterator<Row> rows) {
            this.rows = rows;
        }

        @Override
        public boolean hasNext() {
            if (ready.isEmpty() && rows.hasNext()) {
                scoreNextBatch();
            }
            if (ready.isEmpty()) {
                release();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void scoreNextBatch() {
            int count = 0;
            values.clear();
            while (count < batchSize && rows.hasNext()) {
                Row row = rows.next();
                values.put(readFeatures(row));
                batch[count++] = row;
            }
            values.flip();
            float[] logits = replica().logits(values, count);
            for (int i = 0; i < count; i++) {
                Row row = batch[i];
                Object[] out = new Object[row.length() + outputs.count()];
                for (int f = 0; f < row.length(); f++) {
                    out[f] = row.get(f);
                }
                outputs.fill(logits, i, input.numClasses(), out, row.length());
                ready.add(RowFactory.create(out));
                batch[i] = null;
            }
        }

        private float[] readFeatures(Row row) {
            try {
                return features.read(row, featuresField, position++);
            } catch (InvalidDataException e) {
                TaskContext task = TaskContext.get();
                throw new InvalidDataException(e.getMessage()
                        + (task == null ? "" : " (row counted within partition " + task.partitionId() + ")"));
            }
        }

        /** Builds the network on first use, so empty partitions cost nothing. */
        private ModelReplica replica() {
            if (replica == null) {
                replica = ModelReplica.withParameters(model, input, parameters.value());
                TaskContext task = TaskContext.get();
                if (task != null) {
                    // A consumer such as limit() may stop pulling early; free the native memory anyway.
                    task.addTaskCompletionListener((TaskCompletionListener) context -> release());
                }
            }
            return replica;
        }

        private void release() {
            if (replica != null) {
                replica.close();
                replica = null;
            }
        }
    }
}
