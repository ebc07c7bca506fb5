package dev.phalanx.engine.driver;

import ai.djl.pytorch.jni.JniUtils;
import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.Communicators;
import dev.phalanx.engine.collective.JobKey;
import dev.phalanx.engine.collective.SparkBarrierRendezvous;
import dev.phalanx.engine.data.LabeledSample;
import dev.phalanx.engine.data.ShardStore;
import dev.phalanx.engine.model.PyTorchEngine;
import dev.phalanx.engine.job.DirectMemoryExhaustedException;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.engine.worker.ProgressReporter;
import dev.phalanx.engine.worker.RendezvousStall;
import dev.phalanx.engine.worker.TrainingLoop;
import dev.phalanx.engine.job.TrainingResult;
import dev.phalanx.engine.worker.TrainingSpec;
import dev.phalanx.engine.worker.WorkerDevices;
import dev.phalanx.engine.worker.WorkerThreads;
import java.io.Serializable;
import java.util.List;
import java.util.logging.Logger;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.resource.ResourceInformation;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of each barrier task: rank = partition id; pick the devices from the GPUs Spark
 * assigned to the task, load the shard (off the heap, spilling to the executor's local disk past
 * the memory budget), connect to the peers, train, and return the result from rank 0 only.
 * Captures nothing but the {@link TrainingSpec}, the
 * address of the driver's progress listener, the attempt number, the checkpoint to resume from,
 * the token of the driver's lease on the checkpoint directory and where training positions end.
 *
 * <p>A task's rows arrive sorted by position: its training rows first, then (positions from
 * {@code trainingRows} on) its validation rows, which go into a second shard store.
 */
final class BarrierTrainingTask
        extends AbstractFunction1<Iterator<Tuple2<Long, LabeledSample>>, Iterator<TrainingResult>>
        implements Serializable {

    private static final Logger LOG = Logger.getLogger(BarrierTrainingTask.class.getName());

    private final TrainingSpec spec;
    private final String progressAddress;
    private final int attempt;
    private final String resumeFrom;
    private final String leaseToken;
    private final long trainingRows;

    BarrierTrainingTask(TrainingSpec spec, String progressAddress, int attempt, String resumeFrom, String leaseToken,
            long trainingRows) {
        this.trainingRows = trainingRows;
        this.spec = spec;
        this.progressAddress = progressAddress;
        this.attempt = attempt;
        this.resumeFrom = resumeFrom;
        this.leaseToken = leaseToken;
    }

    @Override
    public Iterator<TrainingResult> apply(Iterator<Tuple2<Long, LabeledSample>> rows) {
        BarrierTaskContext context = BarrierTaskContext.get();
        int rank = context.partitionId();
        String address = context.getTaskInfos()[rank].address();
        String host = address.substring(0, address.lastIndexOf(':'));
        // Intra-op threads are per calling thread in PyTorch; set them here, in the task's thread.
        int cudaDevices = PyTorchEngine.get().getGpuCount();
        JniUtils.setNumThreads(WorkerThreads.resolve(spec.threadsPerWorker(), context.cpus()));
        // What PyTorch reports back, so the log shows the threads it will really use.
        LOG.info(WorkerThreads.describe(rank, JniUtils.getNumThreads(), spec.threadsPerWorker()));
        // Before the rendezvous: a worker that cannot use its GPUs fails its task, and Spark then
        // stops the whole barrier stage, so no peer waits for it.
        WorkerDevices devices = WorkerDevices.resolve(rank, host, spec.gpusPerWorker(), gpuAddresses(context),
                spec.gpuFallbackToCpu(), cudaDevices);
        RendezvousStall.stallIfDue(spec.fault(), rank, attempt, spec.rendezvousTimeout(), context::isInterrupted);
        // This attempt's connections prove they know keys derived from the job's secret and the attempt.
        CollectiveOptions collective = JobSecret.resolve(spec.collective()).withAttempt(attempt);
        // try-with-resources frees the shard's memory and deletes its spill file on every path,
        // including a failed peer or a killed task (Spark interrupts the task thread).
        PositionSplit split = new PositionSplit(CollectionConverters.asJava(rows), trainingRows);
        PhaseTimes times = new PhaseTimes();
        try (ShardStore shard = ShardStore.fill(split.before(), spec.columns().featureLength(),
                        spec.shardMemoryBudget(), ExecutorLocalDirs.forRank(rank), "rank-" + rank);
                // A null resource is allowed, and skipped on close.
                ShardStore validation = !spec.validation().validates() ? null : ShardStore.fill(split.rest(),
                        spec.columns().featureLength(), spec.shardMemoryBudget(), ExecutorLocalDirs.forRank(rank),
                        "rank-" + rank + "-validation");
                Communicator comm = marked(times.mark("shard_filled"), "connected", Communicators.connect(rank,
                        spec.workers(), new SparkBarrierRendezvous(context, spec.rendezvousTimeout()), host,
                        collective));
                ProgressReporter progress = ProgressReporter.connect(
                        rank == 0 ? progressAddress : null, JobKey.progress(collective.jobToken(), attempt))) {
            TrainingResult result = new TrainingLoop(spec, comm, shard, validation, devices, progress, attempt,
                    resumeFrom, leaseToken, times).run();
            List<TrainingResult> out = rank == 0 ? List.of(result) : List.of();
            return CollectionConverters.asScala(out.iterator());
        } catch (OutOfMemoryError e) {
            // By here the shard, the connections and the model are closed and their memory freed.
            DirectMemoryExhaustedException exhausted = DirectMemoryExhaustedException.from(e, rank,
                    spec.shardMemoryBudget());
            if (exhausted == null) {
                throw e;
            }
            throw exhausted;
        }
    }

    /** Returns {@code value} after marking {@code phase} in {@code times}: for marks between resources. */
    private static <T> T marked(PhaseTimes times, String phase, T value) {
        times.mark(phase);
        return value;
    }

    /** Returns the addresses of Spark's {@code gpu} resource assigned to this task, if any. */
    private static List<String> gpuAddresses(BarrierTaskContext context) {
        ResourceInformation gpus = context.resourcesJMap().get(GpuResources.NAME);
        return gpus == null ? List.of() : List.of(gpus.addresses());
    }
}
