package dev.phalanx.engine.api;

import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.LabeledSample;
import dev.phalanx.engine.data.RowConverter;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.Objective;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.nio.FloatBuffer;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Evaluates one partition on an executor: builds the network once, feeds it the partition's rows in
 * batches and returns the partition's {@link Evaluation}, which the driver adds up. Data parallel,
 * like training: no row travels to the driver. It reads Spark's internal rows, as sharding does:
 * a {@code Row} would box every element of an array column.
 */
final class PartitionEvaluator implements FlatMapFunction<Iterator<InternalRow>, Evaluation> {

    private static final long serialVersionUID = 1L;
    private static final int BATCH = 500;

    private final ModelSpec model;
    private final InputSpec input;
    private final Broadcast<float[]> parameters;
    private final ColumnSpec columns;
    private final int topK;
    private final StructType schema;

    /** @param schema the rows' schema: the features column, then the label column */
    PartitionEvaluator(ModelSpec model, InputSpec input, Broadcast<float[]> parameters, ColumnSpec columns, int topK,
            StructType schema) {
        this.schema = schema;
        this.model = model;
        this.input = input;
        this.parameters = parameters;
        this.columns = columns;
        this.topK = topK;
    }

    @Override
    public Iterator<Evaluation> call(Iterator<InternalRow> rows) {
        RowConverter converter = new RowConverter(columns);
        return score(new Iterator<>() {
            private long position;

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public LabeledSample next() {
                // Spark may reuse the row for the next one: converted at once.
                return convert(converter, rows.next(), schema, position++);
            }
        });
    }

    /** Returns the same evaluation for samples converted already (read from files), keyed by position. */
    FlatMapFunction<Iterator<Tuple2<Long, LabeledSample>>, Evaluation> ofSamples() {
        return samples -> score(new Iterator<>() {
            @Override
            public boolean hasNext() {
                return samples.hasNext();
            }

            @Override
            public LabeledSample next() {
                return samples.next()._2();
            }
        });
    }

    private Iterator<Evaluation> score(Iterator<LabeledSample> samples) {
        Objective objective = columns.objective();
        Evaluation total = Evaluation.empty(objective, input.numClasses(), topK);
        if (!samples.hasNext()) {
            return List.of(total).iterator();
        }
        FloatBuffer batch = FloatBuffer.allocate(BATCH * columns.featureLength());
        long[] labels = new long[BATCH];
        try (ModelReplica replica = ModelReplica.withParameters(model, input, parameters.value())) {
            while (samples.hasNext()) {
                int count = 0;
                batch.clear();
                while (count < BATCH && samples.hasNext()) {
                    LabeledSample sample = samples.next();
                    batch.put(sample.features());
                    labels[count++] = sample.label();
                }
                batch.flip();
                total = total.plus(replica.evaluate(batch, labels, count, objective, topK));
            }
        }
        return List.of(total).iterator();
    }

    private static LabeledSample convert(RowConverter converter, InternalRow row, StructType schema, long position) {
        try {
            return converter.convert(row, schema, position);
        } catch (InvalidDataException e) {
            TaskContext task = TaskContext.get();
            throw new InvalidDataException(e.getMessage()
                    + (task == null ? "" : " (row counted within partition " + task.partitionId() + ")"));
        }
    }
}
