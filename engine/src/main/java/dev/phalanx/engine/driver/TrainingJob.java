package dev.phalanx.engine.driver;

import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.LabeledSample;
import dev.phalanx.engine.data.RowConverter;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.data.ShardPartitioner;
import dev.phalanx.engine.worker.EpochMetrics;
import dev.phalanx.engine.worker.TrainingResult;
import dev.phalanx.engine.worker.TrainingSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.function.Consumer;
import java.util.logging.Logger;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs one training job from the driver: preflight, shard, one barrier stage, collect rank 0's
 * result. Errors from the executors are translated so the caller sees the first real cause.
 */
public final class TrainingJob {

    private static final Logger LOG = Logger.getLogger(TrainingJob.class.getName());

    private final TrainingSpec spec;
    private final Duration slotWait;

    /**
     * Prepares a job; nothing runs yet.
     *
     * @param spec what every worker needs
     * @param slotWait how long to wait for enough task slots
     */
    public TrainingJob(TrainingSpec spec, Duration slotWait) {
        this.spec = spec;
        this.slotWait = slotWait;
    }

    /** Returns a fresh random job token, the secret of the job's worker connections. */
    public static String newJobToken() {
        byte[] bytes = new byte[16];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /**
     * Validates, trains and returns rank 0's result.
     *
     * @throws dev.phalanx.engine.data.InvalidDataException for a bad column or value, naming it
     * @throws IllegalArgumentException for too few task slots
     * @throws dev.phalanx.engine.api.TrainingFailedException when training started but failed
     */
    public TrainingResult run(Dataset<Row> data, Consumer<EpochMetrics> listener) {
        SchemaCheck.validate(data.schema(), spec.columns());
        SparkContext sc = data.sparkSession().sparkContext();
        SlotCheck.requireSlots(sc, spec.workers(), slotWait);
        if (!sc.getConf().contains("spark.barrier.sync.timeout")) {
            LOG.warning("spark.barrier.sync.timeout is not set (Spark's default is 365 days): if a worker dies"
                    + " before the rendezvous, the others wait that long. Set it when creating the session.");
        }
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        try (ProgressServer progress = new ProgressServer(host, spec.collective().jobToken(), listener)) {
            BarrierTrainingTask task = new BarrierTrainingTask(spec, progress.address());
            sc.setJobGroup("phalanx-" + spec.collective().jobToken().substring(0, 8),
                    "Phalanx: training " + spec.modelName() + " on " + spec.workers() + " workers", true);
            try {
                ClassTag<TrainingResult> tag = ClassTag$.MODULE$.apply(TrainingResult.class);
                TrainingResult[] results = (TrainingResult[]) shard(data, spec).rdd().barrier()
                        .mapPartitions(task, false, tag)
                        .collect();
                if (results.length != 1) {
                    throw new IllegalStateException("expected one result from rank 0, got " + results.length);
                }
                return results[0];
            } catch (Exception e) {
                // Scala code throws SparkException, a checked exception Java cannot name here.
                throw Failures.translate(e);
            } finally {
                sc.clearJobGroup();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the progress listener on the driver host " + host, e);
        }
    }

    /**
     * Selects the two columns, numbers rows in DataFrame order, converts and validates them, and
     * moves them into W shards sorted by global position (see {@link ShardPartitioner}).
     */
    private static JavaRDD<LabeledSample> shard(Dataset<Row> data, TrainingSpec spec) {
        ColumnSpec columns = spec.columns();
        RowConverter converter = new RowConverter(columns);
        return data.select(functions.col(columns.featuresCol()), functions.col(columns.labelCol()))
                .javaRDD()
                .zipWithIndex()
                .mapToPair(rowAndIndex -> new Tuple2<>(
                        rowAndIndex._2(), converter.convert(rowAndIndex._1(), rowAndIndex._2())))
                .repartitionAndSortWithinPartitions(new ShardPartitioner(spec.workers(), spec.localBatchSize()))
                .values();
    }
}
