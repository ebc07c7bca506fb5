package dev.phalanx.engine.driver;

import dev.phalanx.engine.job.DataFingerprint;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.checkpoint.BoundedStoreCall;
import dev.phalanx.engine.checkpoint.CheckpointException;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.DirectoryLease;
import dev.phalanx.engine.checkpoint.JobIdentity;
import dev.phalanx.engine.data.PositionalRows;
import dev.phalanx.engine.data.ColumnSpec;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.LabeledSample;
import dev.phalanx.engine.data.SchemaCheck;
import dev.phalanx.engine.data.Sharding;
import dev.phalanx.engine.checkpoint.CheckpointSettings;
import dev.phalanx.engine.collective.JobKey;
import dev.phalanx.engine.worker.ProgressWire;
import dev.phalanx.engine.job.TrainingResult;
import dev.phalanx.engine.worker.TrainingSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * Runs one training job from the driver in two steps: {@link #prepare} (preflight and sharding,
 * which need only the columns, workers and devices) and {@link #run} (the barrier stage, asking
 * Spark for the workers' GPUs, see {@link GpuResources}) — relaunched
 * when it fails, up to the configured number of attempts, each resuming from the newest valid
 * checkpoint (Spark itself does not retry a failed barrier result stage). Errors from the
 * executors are translated so the caller sees the first real cause.
 */
public final class TrainingJob {

    private static final long LISTENER_WAIT_MILLIS = 10_000;
    /** How long a finished attempt waits for rank 0's last progress reports to be handed on. */
    private static final long REPORTS_DRAIN_MILLIS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Duration slotWait;
    private final int maxAttempts;
    private PhaseTimes times = new PhaseTimes();

    /**
     * What the barrier stage trains on: the data checked and sharded for a job with these columns,
     * workers, local batch and GPUs per worker (nothing runs until the stage does, beyond the jobs
     * that count and hash the rows), keyed by position so that each task can tell its training rows
     * (positions below {@code trainingRows}) from its validation rows; and the training data's
     * fingerprint.
     */
    public record Shards(ColumnSpec columns, int workers, int localBatch, int gpusPerWorker, ResourceProfile profile,
            JavaPairRDD<Long, LabeledSample> rows, long trainingRows, long validationRows,
            DataFingerprint fingerprint) {}

    /**
     * Sets up a job; nothing runs yet.
     *
     * @param slotWait how long to wait for enough task slots
     * @param maxAttempts how many times the barrier stage may be launched
     */
    public TrainingJob(Duration slotWait, int maxAttempts) {
        this.slotWait = slotWait;
        this.maxAttempts = maxAttempts;
    }

    /** Returns a fresh random job token, the secret of the job's worker connections (see {@link JobSecret}). */
    public static String newJobToken() {
        return randomHex(16);
    }

    private static String randomHex(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /**
     * Checks that the cluster and the data can serve the job and shards the data; needs no model.
     *
     * @throws dev.phalanx.engine.data.InvalidDataException for a missing or mistyped column, naming it
     * @throws IllegalArgumentException for too few task slots, or a GPU job on a master without GPUs
     */
    public Shards prepare(Dataset<Row> data, ColumnSpec columns, int workers, int localBatch, int gpusPerWorker) {
        return prepare(data, null, 0, 0, columns, workers, localBatch, gpusPerWorker);
    }

    /**
     * As {@link #prepare(Dataset, ColumnSpec, int, int, int)}, with validation rows: {@code
     * validation}'s (or null), or about {@code holdOutFraction} of {@code data}'s chosen by {@code
     * seed} (see {@link Sharding#shard(Dataset, Dataset, double, long, ColumnSpec, int, int)}).
     *
     * @throws dev.phalanx.engine.data.InvalidDataException also for a validation column that is
     *     missing or mistyped, saying so
     */
    public Shards prepare(Dataset<Row> data, Dataset<Row> validation, double holdOutFraction, long seed,
            ColumnSpec columns, int workers, int localBatch, int gpusPerWorker) {
        SparkContext sc = data.sparkSession().sparkContext();
        GpuResources.preflight(sc.getConf(), sc.master(), gpusPerWorker);
        SchemaCheck.validate(data.schema(), columns);
        if (validation != null) {
            try {
                SchemaCheck.validate(validation.schema(), columns);
            } catch (InvalidDataException e) {
                throw new InvalidDataException("validation data: " + e.getMessage());
            }
        }
        ResourceProfile profile = slots(sc, workers, gpusPerWorker);
        Sharding.Sharded sharded = Sharding.shard(data, validation, holdOutFraction, seed, columns, workers,
                localBatch);
        return new Shards(columns, workers, localBatch, gpusPerWorker, profile, sharded.keyed(),
                sharded.trainingRows(), sharded.validationRows(), sharded.fingerprint());
    }

    /**
     * As {@link #prepare(Dataset, ColumnSpec, int, int, int)}, for rows the workers read straight
     * from their files (see {@link Sharding#shard(PositionalRows, SparkContext, ColumnSpec, int,
     * int)}): no Spark job runs before training.
     *
     * @throws IOException when the driver cannot read the rows
     */
    public Shards prepare(PositionalRows data, SparkContext sc, ColumnSpec columns, int workers, int localBatch,
            int gpusPerWorker) throws IOException {
        GpuResources.preflight(sc.getConf(), sc.master(), gpusPerWorker);
        SchemaCheck.validate(data.schema(), columns);
        ResourceProfile profile = slots(sc, workers, gpusPerWorker);
        Sharding.Sharded sharded = Sharding.shard(data, sc, columns, workers, localBatch);
        return new Shards(columns, workers, localBatch, gpusPerWorker, profile, sharded.keyed(),
                sharded.trainingRows(), sharded.validationRows(), sharded.fingerprint());
    }

    /** Returns the training stage's resource profile, once the cluster has {@code workers} slots for it. */
    private ResourceProfile slots(SparkContext sc, int workers, int gpusPerWorker) {
        ResourceProfile profile = gpusPerWorker == 0 ? sc.resourceProfileManager().defaultResourceProfile()
                : GpuResources.trainingProfile(sc, gpusPerWorker);
        SlotCheck.requireSlots(sc, workers, slotWait, profile, gpusPerWorker);
        return profile;
    }

    /**
     * Trains {@code shards} as {@code spec} says and returns rank 0's result.
     *
     * @param progress called on the driver after every epoch and logged step
     * @param events called on the driver with one-line notices (relaunches, resumes)
     * @param times where the driver marks {@code stage_launched}, each attempt's barrier stage submitted
     * @throws IllegalArgumentException when {@code shards} were prepared for other columns, workers,
     *     batch or GPUs than {@code spec}'s
     * @throws dev.phalanx.engine.data.InvalidDataException for a bad value, naming its column and row
     * @throws dev.phalanx.engine.job.DeviceUnavailableException when a worker cannot use its GPUs
     * @throws CheckpointException when another live job holds the checkpoint directory's lease, or
     *     took it over during training, or the newest checkpoints are all invalid or incompatible, or
     *     a call to the checkpoint store took longer than {@code checkpoint_timeout} (see {@link
     *     BoundedStoreCall})
     * @throws TrainingFailedException when the last attempt failed, or a relaunch found too few task slots
     */
    public TrainingResult run(Shards shards, TrainingSpec spec, ProgressWire.Handler progress,
            Consumer<String> events, PhaseTimes times) {
        this.times = times;
        if (!shards.columns().equals(spec.columns()) || shards.workers() != spec.workers()
                || shards.localBatch() != spec.localBatchSize() || shards.gpusPerWorker() != spec.gpusPerWorker()) {
            throw new IllegalArgumentException("the shards were prepared for another job: their workers, local batch,"
                    + " GPUs per worker or columns differ from the job's");
        }
        SparkContext sc = shards.rows().context();
        CheckpointSettings settings = spec.checkpoints();
        if (settings == null) {
            return attempts(sc, shards, spec, progress, events, null, null);
        }
        Duration timeout = settings.timeout();
        CheckpointStore store = BoundedStoreCall.run("opening checkpoint_dir", settings.uri(), timeout,
                () -> new CheckpointStore(settings.uri(), settings.hadoopConf().get(), settings.keep()));
        BoundedStoreCall.run("checking that checkpoints can be written to", settings.uri(), timeout, () -> {
            store.checkWritable();
            return null;
        });
        // Before anything reads or writes the checkpoints, and released on every path (with a
        // shutdown hook for a driver that exits first), so that no second job deletes or moves
        // aside this job's checkpoints, nor this job a second job's.
        try (DirectoryLease lease = store.lease(sc.applicationId() + " (" + sc.appName() + ")",
                settings.leaseTimeout(), events)) {
            return attempts(sc, shards, spec, progress, events, store, lease);
        }
    }

    /**
     * Launches the barrier stage until an attempt succeeds or none is left, each resuming from the
     * newest compatible checkpoint; {@code store} and {@code lease} are null without checkpoints.
     */
    private TrainingResult attempts(SparkContext sc, Shards shards, TrainingSpec spec, ProgressWire.Handler progress,
            Consumer<String> events, CheckpointStore store, DirectoryLease lease) {
        // Names the run's Spark job groups: random, and unrelated to the job's secret.
        String runId = randomHex(4);
        TrainingFailedException lastFailure = null;
        for (int attempt = 1; ; attempt++) {
            if (lastFailure != null) {
                // A lost executor is replaced by the cluster manager; the relaunch needs W slots again.
                try {
                    SlotCheck.requireSlots(sc, spec.workers(), slotWait, shards.profile(), spec.gpusPerWorker());
                } catch (RuntimeException e) {
                    // The failed attempt is what went wrong; the missing slots only stop the relaunch.
                    throw new TrainingFailedException(lastFailure.getMessage() + " (attempt " + (attempt - 1) + " of "
                            + maxAttempts + "); not relaunched: " + e.getMessage(), lastFailure);
                }
            }
            String resumeFrom = null;
            if (store != null) {
                BoundedStoreCall.run("checking this job's lease on", store.location(), spec.checkpoints().timeout(),
                        () -> {
                            lease.requireHeld();
                            return null;
                        });
                resumeFrom = compatibleNewest(store, spec, spec.checkpoints(), events);
            }
            try {
                TrainingResult result = runAttempt(sc, shards, spec, runId, attempt, resumeFrom,
                        lease == null ? null : lease.token(), progress);
                if (spec.gpusPerWorker() > 0) {
                    result.devices().forEach(events);
                }
                return result;
            } catch (TrainingFailedException e) {
                if (attempt >= maxAttempts) {
                    throw new TrainingFailedException(e.getMessage() + " (attempt " + attempt + " of " + maxAttempts + ")",
                            e.getCause());
                }
                events.accept("attempt " + attempt + " of " + maxAttempts + " failed: " + e.getMessage()
                        + "; relaunching" + (store == null ? " from the start (no checkpoint_dir)" : ""));
                lastFailure = e;
            }
        }
    }

    /**
     * Returns the newest valid checkpoint if this job may resume from it, null if there is none.
     *
     * @throws CheckpointException when it belongs to another job, lies past this job's last epoch,
     *     or was trained on other data and {@code resume_with_other_data} is off
     */
    private String compatibleNewest(CheckpointStore store, TrainingSpec spec, CheckpointSettings settings,
            Consumer<String> events) {
        Optional<CheckpointInfo> newest = BoundedStoreCall.run("listing checkpoints in", store.location(),
                settings.timeout(), store::newestValid);
        if (newest.isEmpty()) {
            return null;
        }
        CheckpointInfo checkpoint = newest.get();
        JobIdentity recorded = BoundedStoreCall.run("reading the job identity of", checkpoint.uri(), settings.timeout(),
                () -> store.identity(checkpoint));
        String mismatch = recorded.mismatchWith(spec.identity());
        String otherData = mismatch == null ? recorded.dataMismatchWith(spec.identity()) : null;
        if (otherData != null && !settings.resumeWithOtherData()) {
            mismatch = otherData + "; use another checkpoint_dir, or set resume_with_other_data = true to continue"
                    + " from it on this data";
        }
        if (mismatch == null && checkpoint.epoch() > spec.epochs()) {
            mismatch = "it is at step " + checkpoint.step() + ", in epoch " + checkpoint.epoch() + ", past the end of this"
                    + " job's " + spec.epochs() + " epochs; raise epochs to at least " + checkpoint.epoch()
                    + ", or use another checkpoint_dir";
        }
        if (mismatch != null) {
            throw new CheckpointException("cannot resume from checkpoint " + checkpoint.uri() + ": " + mismatch);
        }
        if (recorded.data() == null) {
            events.accept("checkpoint " + checkpoint.name() + " records no data fingerprint (written before Phalanx"
                    + " recorded one), so it is not known whether this is the data it was trained on");
        }
        String otherWorkers = recorded.workersChangeWith(spec.identity());
        events.accept("resuming from checkpoint " + checkpoint.name() + " (step " + checkpoint.step() + ", epoch "
                + checkpoint.epoch() + ")" + (otherData == null ? ""
                        : " although " + otherData + ", as resume_with_other_data allows")
                + (otherWorkers == null ? "" : "; " + otherWorkers));
        return checkpoint.uri();
    }

    private TrainingResult runAttempt(SparkContext sc, Shards shards, TrainingSpec spec, String runId, int attempt,
            String resumeFrom, String leaseToken, ProgressWire.Handler listener) {
        String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
        JobKey progressKey = JobKey.progress(JobSecret.resolve(spec.collective()).jobToken(), attempt);
        try (ProgressServer progress = new ProgressServer(host, progressKey,
                new SparkUiProgress(sc, listener, spec.epochs(), attempt))) {
            BarrierTrainingTask task = new BarrierTrainingTask(spec, progress.address(), attempt, resumeFrom, leaseToken,
                    shards.trainingRows());
            String jobGroup = "phalanx-" + runId + "-attempt-" + attempt;
            sc.setJobGroup(jobGroup,
                    "Phalanx: training " + spec.model().name() + " on " + spec.workers() + " workers, attempt " + attempt,
                    true);
            TaskFailureListener failures = new TaskFailureListener(jobGroup);
            sc.addSparkListener(failures);
            try {
                ClassTag<TrainingResult> tag = ClassTag$.MODULE$.apply(TrainingResult.class);
                RDD<TrainingResult> stage = shards.rows().rdd().barrier().mapPartitions(task, false, tag);
                if (spec.gpusPerWorker() > 0) {
                    stage = stage.withResources(shards.profile());
                }
                times.mark("stage_launched");
                TrainingResult[] results = (TrainingResult[]) stage.collect();
                if (results.length != 1) {
                    throw new IllegalStateException("expected one result from rank 0, got " + results.length);
                }
                progress.awaitReports(results[0].progressReports(), REPORTS_DRAIN_MILLIS);
                return results[0];
            } catch (Exception e) {
                // Scala code throws SparkException, a checked exception Java cannot name here.
                throw Failures.translate(e, failures.rootCause(LISTENER_WAIT_MILLIS));
            } finally {
                sc.removeSparkListener(failures);
                sc.clearJobGroup();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the progress listener on the driver host " + host, e);
        }
    }
}
