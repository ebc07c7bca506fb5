package dev.phalanx.engine.worker;

import dev.phalanx.engine.checkpoint.AsyncCheckpointWriter;
import dev.phalanx.engine.checkpoint.CheckpointSettings;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.CheckpointSnapshot;
import dev.phalanx.engine.checkpoint.ShardedState;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.collective.ReduceOp;
import dev.phalanx.engine.collective.Slice;
import dev.phalanx.engine.data.EpochBatches;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.ShardStore;
import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EarlyStopping;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.LossFunction;
import dev.phalanx.engine.job.LossNotFiniteException;
import dev.phalanx.engine.job.PhaseTimes;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.TrainingResult;
import dev.phalanx.engine.job.Validation;
import dev.phalanx.engine.job.ValidationPlan;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.model.ReplicaGroup;
import dev.phalanx.engine.model.TensorTransfer;
import dev.phalanx.engine.model.TransferCounts;
import dev.phalanx.engine.optim.GradientClipping;
import dev.phalanx.engine.optim.Optimizer;
import dev.phalanx.engine.optim.Optimizers;
import dev.phalanx.engine.process.MklAnyVendor;
import dev.phalanx.engine.process.NativeMemoryTuning;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The data-parallel training loop of one worker. Each step: gather the local batch, forward and
 * backward, average the gradients over all workers, apply the same optimizer update. Since every
 * worker starts from the same parameters and applies the same averaged gradients, all stay
 * identical.
 *
 * <p>Resume: every rank loads the same checkpoint and continues at its global step. The sample
 * order of an epoch depends only on (seed, epoch, rank), so the resumed run visits exactly the
 * samples the interrupted one had not yet visited, in the same order.
 *
 * <p>Devices: a worker trains on the devices in its {@link WorkerDevices} (the CPU, or the GPUs
 * Spark assigned to its task), splitting its batch over them; see {@link ReplicaGroup}.
 *
 * <p>Validation: at every epoch's end (or every {@code validate_every_steps}) each rank evaluates
 * its share of the validation rows and one all-gather adds the shares up, in rank order, so every
 * rank holds the same {@link Validation}. Early stopping decides from the validations alone
 * ({@link EarlyStopping}), so every rank stops at the same step; rank 0 keeps a copy of the best
 * validation's parameters, which checkpoints hold too and which become the result.
 *
 * <p>Sharded optimizer ({@code optimizer_sharding}, ZeRO stage 1): instead of the all-reduce, a
 * reduce-scatter leaves each rank the averaged gradients of its own slice of the parameters (a
 * {@link Slice}, 1/W of them); it updates that slice alone with the optimizer state of that slice
 * alone, and an all-gather brings every rank's updated slice to every rank. The same bytes travel
 * as with the all-reduce, and the slice is exactly what the all-reduce by the ring would have
 * given, so the parameters are bit-identical to an unsharded run's whenever that run's all-reduce
 * takes the ring (and within float rounding when its buffer is small enough for the gather-and-sum
 * path, or when gradient clipping adds up the slices' norms). Each rank then writes its own slice
 * of every checkpoint ({@link ShardedState}), all at once, and rank 0 commits them together.
 *
 * <p>Lockstep: every rank makes the same collective calls in the same order — one all-gather of
 * devices, one of shard sizes, one all-reduce per step (sharded: one reduce-scatter and one
 * all-gather, plus with clipping one all-gather of norms and with a time-based checkpoint interval
 * one all-reduce that agrees whether a checkpoint is due), one all-reduce and one all-gather of
 * timings ({@link RankTimings}) per logged step, one per epoch end
 * and one all-gather per validation — on every path. Checkpoints are written outside any collective
 * and without waiting for the store ({@link AsyncCheckpointWriter}, bounded by {@code
 * checkpoint_timeout}): by rank 0 alone, or sharded by every rank. A rank that fails throws, and
 * its peers fail on their next collective within the timeout.
 */
public final class TrainingLoop {

    private static final Logger LOG = Logger.getLogger(TrainingLoop.class.getName());

    private final TrainingSpec spec;
    private final Communicator comm;
    private final ShardStore shard;
    private final ShardStore validationShard;
    private final WorkerDevices devices;
    private final ProgressReporter progress;
    private final int attempt;
    private final String resumeFrom;
    private final String leaseToken;
    private final PhaseTimes times;

    /**
     * Creates the loop of one worker.
     *
     * @param validationShard this worker's validation rows, or null without validation
     * @param devices what this worker trains on
     * @param progress used by rank 0 only
     * @param attempt 1 for the first launch of the barrier stage, 2 for the first relaunch, …
     * @param resumeFrom the checkpoint to continue from, or null to start fresh
     * @param leaseToken the driver's lease on the checkpoint directory, which every commit checks;
     *     null without checkpoints
     * @param times where the loop marks when its phases end (the task marks those before it)
     */
    public TrainingLoop(TrainingSpec spec, Communicator comm, ShardStore shard, ShardStore validationShard,
            WorkerDevices devices, ProgressReporter progress, int attempt, String resumeFrom, String leaseToken,
            PhaseTimes times) {
        this.times = times;
        this.spec = spec;
        this.comm = comm;
        this.shard = shard;
        this.validationShard = validationShard;
        this.devices = devices;
        this.progress = progress;
        this.attempt = attempt;
        this.resumeFrom = resumeFrom;
        this.leaseToken = leaseToken;
    }

    /** Trains to the last step and returns the final parameters and history. */
    public TrainingResult run() {
        List<String> roster = DeviceRoster.gather(comm, devices);
        int stepsPerEpoch = agreeStepsPerEpoch();
        long totalSteps = (long) stepsPerEpoch * spec.epochs();
        int localBatch = spec.localBatchSize();
        FloatBuffer batchFeatures = FloatBuffer.allocate(localBatch * spec.columns().featureLength());
        long[] batchLabels = new long[localBatch];
        CheckpointSettings settings = spec.checkpoints();
        CheckpointStore store = settings == null ? null
                : new CheckpointStore(settings.uri(), settings.hadoopConf().get(), settings.keep(), leaseToken);
        boolean sharded = spec.optimizerSharding();
        boolean writes = store != null && (sharded || comm.rank() == 0);
        // oneDNN computes convolutions on the CPU only; on a GPU cuDNN does.
        boolean cpu = devices.devices().stream().anyMatch(d -> !d.isGpu());
        TensorTransfer transfer = spec.deviceResidentOnCpu() ? TensorTransfer.ON_DEVICE : devices.transfer();
        try (ReplicaGroup model = ReplicaGroup.initialised(spec.model(), spec.input(), spec.seed(),
                        devices.devices(), transfer);
                OneDnnPaddingGuard.Protection guard =
                        OneDnnPaddingGuard.protect(cpu ? model.paddedConvolutions() : List.of());
                AsyncCheckpointWriter writer = writes ? new AsyncCheckpointWriter(store, settings.timeout(), sharded)
                        : null) {
            times.mark("model_built");
            guard.report().ifPresent(report -> LOG.log(report.level(), "rank " + comm.rank() + ": " + report.message()));
            // A guard that could not be completed is the other likely cause of a NaN loss.
            Optional<String> kernelAdvice = guard.report().filter(report -> report.level() == Level.WARNING)
                    .map(OneDnnPaddingGuard.Report::message);
            NativeMemoryTuning.advice().ifPresent(advice -> LOG.info("rank " + comm.rank() + ": " + advice));
            if (cpu) {
                MklAnyVendor.advice().ifPresent(advice -> LOG.info("rank " + comm.rank() + ": " + advice));
            }
            LossFunction loss = new LossFunction(spec.columns().objective(), spec.labelSmoothing(), spec.classWeights(),
                    0);
            // Sharded, this rank keeps the optimizer state of its own slice only.
            Slice own = sharded ? comm.ownedSlice(model.parameterCount()) : new Slice(0, model.parameterCount());
            // Device-resident (a GPU), the optimizer runs as tensor operations where the parameters are.
            Optimizer optimizer = model.deviceResident()
                    ? Optimizers.onTensors(spec.optimizer(), own.length(), spec.learningRate(), spec.momentum(),
                            spec.weightDecay())
                    : Optimizers.create(spec.optimizer(), own.length(), spec.learningRate(), spec.momentum(),
                            spec.weightDecay());
            try (optimizer) {
                List<EpochMetrics> history = new ArrayList<>();
                List<Validation> validations = new ArrayList<>();
                ValidationPlan plan = spec.validation();
                EarlyStopping stopping = plan.earlyStopping();
                if (resumeFrom == null && spec.initialParameters() != null) {
                    // init_from: the driver checked the values fit, parameter by parameter.
                    model.parameters().put(0, spec.initialParameters());
                    model.parametersChanged();
                }
                float[][] best = {null};
                long startStep = resumeFrom == null ? 0
                        : restore(store, stepsPerEpoch, model, own, optimizer, history, validations, best);
                // A run resumed from the checkpoint its early stop committed takes no further step.
                boolean stopped = stopping.shouldStop(validations);
                long endStep = stopped ? startStep : totalSteps;
                long lastCheckpointStep = startStep;
                long lastCheckpointNanos = System.nanoTime();
                AutoCheckpointInterval auto = writer == null || !settings.autoInterval() ? null
                        : new AutoCheckpointInterval(settings.autoJobMtbf());
                if (auto != null && comm.rank() == 0) {
                    LOG.info(auto.describe());
                }
                long start = System.nanoTime();
                EpochBatches batches = new EpochBatches(shard, localBatch, spec.shuffle(), spec.seed(), comm.rank());
                EpochTally tally = null;
                IntervalTally interval = new IntervalTally();
                StepProfile profile = new StepProfile(totalSteps - startStep);
                times.mark("first_step");
                TransferCounts transfersBefore = model.transfers();
                for (long step = startStep; step < endStep; step++) {
                    profile.startStep();
                    int epoch = (int) (step / stepsPerEpoch) + 1;
                    int inEpoch = (int) (step % stepsPerEpoch);
                    if (tally == null || inEpoch == 0) {
                        tally = new EpochTally();
                    }
                    injectFaultIfDue(step);
                    if (writer != null) {
                        // A write past checkpoint_timeout fails the job here, naming the store; the
                        // peers then fail on this rank's abort, not on a silent peer.
                        writer.check();
                    }
                    batches.gather(epoch, inEpoch, batchFeatures, batchLabels);
                    profile.endPhase(StepProfile.Phase.DATA);
                    LossFunction stepLoss = loss;
                    if (loss.weighted()) {
                        // A weighted mean divides by the whole global batch's weight sum: one small
                        // all-reduce, then each part of each worker's batch divides by its share of it.
                        float[] weights = {(float) loss.weightOf(batchLabels, localBatch)};
                        comm.allReduce(weights, ReduceOp.SUM);
                        stepLoss = loss.normalizedBy(
                                weights[0] / ((double) spec.workers() * model.size() * spec.accumulationSteps()));
                    }
                    ModelReplica.BatchOutcome outcome =
                            model.forwardBackward(batchFeatures, batchLabels, stepLoss, spec.accumulationSteps());
                    if (!Float.isFinite(outcome.meanLoss())) {
                        // Stop rather than train on: NaN parameters would be checkpointed and returned.
                        throw new LossNotFiniteException("the training loss became " + outcome.meanLoss() + " at step "
                                + (step + 1) + " (epoch " + epoch + ") on rank " + comm.rank()
                                + divergenceHint(kernelAdvice));
                    }
                    profile.endPhase(StepProfile.Phase.FORWARD_BACKWARD);
                    // Device-resident, the gradients stay on the device unless the all-reduce, frozen
                    // parameters or clipping need them on the host.
                    DeviceBuffer gradients = model.gradientBuffer();
                    profile.endPhase(StepProfile.Phase.GRADIENTS_OUT);
                    long reduceStart = System.nanoTime();
                    if (sharded) {
                        comm.reduceScatter(gradients, ReduceOp.AVG, spec.gradientWire());
                    } else {
                        comm.allReduce(gradients, ReduceOp.AVG, spec.gradientWire());
                    }
                    interval.add(outcome, System.nanoTime() - reduceStart);
                    profile.endPhase(StepProfile.Phase.ALL_REDUCE);
                    if (!spec.frozen().isEmpty() || spec.clipGradNorm() > 0) {
                        FloatBuffer averaged = gradients.onHost().asFloatBuffer();
                        spec.frozen().zero(averaged);
                        if (spec.clipGradNorm() > 0) {
                            // After the all-reduce: every rank scales the same gradients by the same factor.
                            float norm = (float) Math.sqrt(sharded ? globalSumOfSquares(averaged, own)
                                    : GradientClipping.sumOfSquares(averaged, 0, own.length()));
                            GradientClipping.scale(averaged, own.offset(), own.length(), norm, spec.clipGradNorm());
                        }
                        gradients.writtenOnHost();
                    }
                    // A function of the global step: a resumed run takes the same rate for the same step.
                    optimizer.setLearningRate(spec.schedule().at(step, totalSteps));
                    model.update(optimizer, own.offset(), own.length());
                    model.zeroGradients();
                    profile.endPhase(StepProfile.Phase.OPTIMIZER);
                    if (sharded) {
                        long gatherStart = System.nanoTime();
                        // Device-resident, only this rank's slice comes off the device; all go back up.
                        comm.allGatherSlices(model.parameterBytesWithCurrent(own.offset(), own.length()));
                        model.parametersChanged();
                        interval.addCollective(System.nanoTime() - gatherStart);
                        profile.endPhase(StepProfile.Phase.ALL_REDUCE);
                    }
                    profile.endStep();
                    interval.addStep(profile);
                    tally.add(outcome, localBatch);
                    boolean epochEnd = inEpoch == stepsPerEpoch - 1;
                    if (epochEnd) {
                        history.add(tally.finish(epoch));
                        if (comm.rank() == 0) {
                            progress.report(history.get(history.size() - 1));
                        }
                    }
                    long done = step + 1;
                    if (plan.dueAfter(done, epochEnd)) {
                        validations.add(new Validation(epoch, done, validate(model)));
                        if (comm.rank() == 0) {
                            if (stopping.enabled() && stopping.best(validations) == validations.size() - 1) {
                                best[0] = finiteParameters(model, done, stepsPerEpoch, kernelAdvice);
                            }
                            progress.report(validations.get(validations.size() - 1));
                        }
                        if (stopping.shouldStop(validations)) {
                            stopped = true;
                            endStep = done;
                        }
                    }
                    if (spec.logEverySteps() > 0 && done % spec.logEverySteps() == 0) {
                        StepMetrics metrics = interval.finish(done, totalSteps, epoch,
                                spec.schedule().at(step, totalSteps),
                                writer != null && comm.rank() == 0 ? writer.takeFinished() : List.of());
                        if (comm.rank() == 0) {
                            progress.report(metrics);
                        }
                    }
                    if (writer != null && done < endStep
                            && checkpointDue(done, lastCheckpointStep, lastCheckpointNanos, sharded, auto)) {
                        long pauseStart = System.nanoTime();
                        double pause = writer.submit(snapshot(done, stepsPerEpoch, model, own, optimizer, history,
                                validations, best[0], kernelAdvice), pauseStart);
                        lastCheckpointStep = done;
                        lastCheckpointNanos = System.nanoTime();
                        if (auto != null) {
                            auto.measured(pause);
                            if (comm.rank() == 0) {
                                LOG.info(auto.describe());
                            }
                        }
                    }
                }
                String finalCheckpoint = resumeFrom;
                if (writer != null && startStep < endStep) {
                    // The final state is always committed before the result counts as done (a run resumed
                    // at its last step, or after its early stop, has it committed already).
                    finalCheckpoint = writer.finish(snapshot(endStep, stepsPerEpoch, model, own, optimizer, history,
                            validations, best[0], kernelAdvice)).uri();
                }
                times.mark("training_done");
                long trained = endStep - startStep;
                if (model.deviceResident() && trained > 0) {
                    TransferCounts copies = model.transfers().since(transfersBefore);
                    LOG.info(String.format(Locale.ROOT, "rank %d: device-resident steps copied %.1f times (%d bytes)"
                            + " device to host and %.1f times (%d bytes) host to device per step, checkpoints"
                            + " included", comm.rank(), copies.toHost() / (double) trained,
                            copies.toHostBytes() / trained, copies.toDevice() / (double) trained,
                            copies.toDeviceBytes() / trained));
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double samplesPerSecond = trained * (double) spec.globalBatchSize() / seconds;
                int kept = stopping.enabled() ? stopping.best(validations) : -1;
                // With checkpoints the final one holds the result, so no rank copies the model here; without,
                // rank 0 alone copies it for the driver (the other ranks' results are not sent).
                boolean copies = store == null && comm.rank() == 0;
                float[] parameters = !copies ? null
                        : kept >= 0 ? best[0] : finiteParameters(model, endStep, stepsPerEpoch, kernelAdvice);
                return new TrainingResult(parameters, history, endStep, seconds, samplesPerSecond, profile.split(),
                        times, roster, progress.sent(), List.copyOf(validations), kept, stopped,
                        store == null ? null : finalCheckpoint);
            }
        }
    }

    private long restore(CheckpointStore store, int stepsPerEpoch, ReplicaGroup model, Slice own, Optimizer optimizer,
            List<EpochMetrics> history, List<Validation> validations, float[][] best) {
        // Only this rank's slice of the optimizer state, whichever number of ranks wrote it.
        // The parameters go straight into the model's buffer: no copy of the model on the heap.
        TrainingState state = store.load(resumeFrom, own.offset(), own.length(), model.parameters());
        model.parametersChanged();
        if (state.stepsPerEpoch() != stepsPerEpoch) {
            int written = state.identity().workers();
            throw new InvalidDataException("checkpoint " + resumeFrom + " was taken with " + state.stepsPerEpoch()
                    + " steps per epoch but the data now gives " + stepsPerEpoch
                    + (written != spec.workers() ? " with " + spec.workers() + " workers instead of its " + written
                            + " (every worker takes whole batches of its own shard); resume with " + written
                            + " workers" : "; the input changed since the checkpoint")
                    + ", so it cannot be resumed exactly");
        }
        optimizer.restore(state.optimizer());
        history.addAll(state.history());
        validations.addAll(state.validations());
        best[0] = state.best();
        EarlyStopping stopping = spec.validation().earlyStopping();
        if (stopping.enabled() && stopping.best(validations) >= 0 && best[0] == null) {
            throw new InvalidDataException("checkpoint " + resumeFrom + " holds " + validations.size()
                    + " validations but not the best one's parameters (it was written without early stopping),"
                    + " so early stopping cannot keep the best model; resume without early_stopping_patience or"
                    + " use another checkpoint_dir");
        }
        return state.globalStep();
    }

    /**
     * Whether a checkpoint falls due after {@code done} steps, by steps or by time ({@code auto}'s
     * interval when it is not null). Sharded, every rank writes its slice
     * of the same steps, so a time-based interval, which each rank's clock would decide differently,
     * is agreed by one small all-reduce: due when any rank's clock says so.
     */
    private boolean checkpointDue(long done, long lastStep, long lastNanos, boolean sharded,
            AutoCheckpointInterval auto) {
        CheckpointSettings settings = spec.checkpoints();
        boolean bySteps = settings.everySteps() > 0 && done - lastStep >= settings.everySteps();
        Duration interval = auto != null ? auto.interval() : settings.interval();
        if (interval.isZero()) {
            return bySteps;
        }
        boolean byTime = System.nanoTime() - lastNanos >= interval.toNanos();
        if (sharded) {
            float[] due = {byTime ? 1f : 0f};
            comm.allReduce(due, ReduceOp.SUM);
            byTime = due[0] > 0;
        }
        return bySteps || byTime;
    }

    /**
     * The checkpoint after {@code done} steps: the whole state (rank 0), or, sharded, this rank's
     * slice of the parameters and its optimizer state, copying only that slice.
     */
    private CheckpointSnapshot snapshot(long done, int stepsPerEpoch, ReplicaGroup model, Slice own,
            Optimizer optimizer, List<EpochMetrics> history, List<Validation> validations, float[] best,
            Optional<String> kernelAdvice) {
        if (!spec.optimizerSharding()) {
            return new TrainingState(spec.identity(), done, stepsPerEpoch,
                    finiteParameters(model, done, stepsPerEpoch, kernelAdvice), optimizer.state(), history,
                    validations, best);
        }
        float[] slice = new float[own.length()];
        model.parameters().get(own.offset(), slice);
        requireFinite(slice, own.offset(), model.parameterCount(), done, stepsPerEpoch, kernelAdvice);
        TrainingState part = new TrainingState(spec.identity(), done, stepsPerEpoch, slice, optimizer.state(), history,
                validations, comm.rank() == 0 ? best : null);
        return new ShardedState(comm.rank(), comm.worldSize(), model.parameterCount(), own.offset(), commitTag(), part);
    }

    /**
     * Names the folder this attempt's ranks write a step's slices into: the same on every rank of
     * the attempt, another for a relaunch or another world size.
     */
    private String commitTag() {
        String lease = leaseToken == null ? "unleased" : leaseToken.substring(0, Math.min(8, leaseToken.length()));
        return "w" + comm.worldSize() + "-a" + attempt + "-" + lease;
    }

    /**
     * The squared L2 norm of all averaged gradients when each rank holds only its slice: each rank's
     * share, gathered and added in slice order, identical on every rank.
     */
    private double globalSumOfSquares(FloatBuffer averaged, Slice own) {
        byte[] mine = ByteBuffer.allocate(Integer.BYTES + Double.BYTES).putInt(own.offset())
                .putDouble(GradientClipping.sumOfSquares(averaged, own.offset(), own.length())).array();
        byte[][] shares = comm.allGather(mine);
        List<ByteBuffer> ordered = new ArrayList<>();
        for (byte[] share : shares) {
            ordered.add(ByteBuffer.wrap(share));
        }
        ordered.sort((a, b) -> Integer.compare(a.getInt(0), b.getInt(0)));
        double sum = 0;
        for (ByteBuffer share : ordered) {
            sum += share.getDouble(Integer.BYTES);
        }
        return sum;
    }

    /**
     * Evaluates this rank's validation rows in batches of the local batch size and adds up every
     * rank's evaluation: one all-gather, summed in rank order, so every rank holds the same result.
     */
    private Evaluation validate(ReplicaGroup model) {
        int batch = spec.localBatchSize();
        int size = validationShard.size();
        Evaluation local = Evaluation.empty(spec.columns().objective(), spec.input().numClasses(),
                spec.validation().topK());
        int[] order = new int[Math.min(batch, size)];
        FloatBuffer features = FloatBuffer.allocate(order.length * spec.columns().featureLength());
        long[] labels = new long[order.length];
        for (int from = 0; from < size; from += batch) {
            int count = Math.min(batch, size - from);
            for (int i = 0; i < count; i++) {
                order[i] = from + i;
            }
            validationShard.gather(order, 0, count, features, labels);
            local = local.plus(model.evaluate(features, labels, count, spec.columns().objective(),
                    spec.validation().topK()));
        }
        byte[][] shares = comm.allGather(EvaluationBytes.of(local));
        Evaluation total = Evaluation.empty(spec.columns().objective(), spec.input().numClasses(),
                spec.validation().topK());
        for (byte[] share : shares) {
            total = total.plus(EvaluationBytes.read(share));
        }
        return total;
    }

    /**
     * Returns a copy of the parameters after {@code done} steps, refusing NaN or infinity. Why: the
     * loss check sees a bad update only at the next step's forward pass, so without this a
     * checkpoint taken right after the update, or the last step's result, would keep it — and
     * resuming would start from a broken model.
     */
    private float[] finiteParameters(ReplicaGroup model, long done, int stepsPerEpoch, Optional<String> kernelAdvice) {
        float[] parameters = model.copyParameters();
        requireFinite(parameters, 0, parameters.length, done, stepsPerEpoch, kernelAdvice);
        return parameters;
    }

    /** Refuses NaN or infinity in {@code values}, parameters {@code offset} on of {@code count}. */
    private void requireFinite(float[] values, int offset, int count, long done, int stepsPerEpoch,
            Optional<String> kernelAdvice) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new LossNotFiniteException("parameter " + (offset + i) + " of " + count + " became "
                        + values[i] + " at step " + done + " (epoch " + ((done - 1) / stepsPerEpoch + 1)
                        + ") on rank " + comm.rank() + ", so that state was not checkpointed or returned"
                        + divergenceHint(kernelAdvice));
            }
        }
    }

    private String divergenceHint(Optional<String> kernelAdvice) {
        return ": training diverged; lower learning_rate (now " + spec.learningRate() + ")"
                + kernelAdvice.map(advice -> "; or else " + advice).orElse("");
    }

    private void injectFaultIfDue(long step) {
        FaultInjection fault = spec.fault();
        if (fault != null && attempt == 1 && fault.rank() == comm.rank() && fault.slowMillis() > 0) {
            try {
                Thread.sleep(fault.slowMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InjectedFault("interrupted while slowed on purpose on rank " + comm.rank());
            }
            return;
        }
        if (fault != null && attempt == 1 && fault.rank() == comm.rank() && fault.step() == step) {
            throw new InjectedFault("injected fault on rank " + comm.rank() + " before step " + step);
        }
    }

    /**
     * Every rank takes the same number of steps per epoch: as many full local batches as the
     * smallest shard holds. Rows past that are not used in that epoch (drop-last policy).
     */
    private int agreeStepsPerEpoch() {
        byte[][] sizes = comm.allGather(ByteBuffer.allocate(Integer.BYTES).putInt(shard.size()).array());
        int smallest = Integer.MAX_VALUE;
        int smallestRank = 0;
        for (int r = 0; r < sizes.length; r++) {
            int size = ByteBuffer.wrap(sizes[r]).getInt();
            if (size < smallest) {
                smallest = size;
                smallestRank = r;
            }
        }
        int steps = EpochBatches.stepsPerEpoch(smallest, spec.localBatchSize());
        if (steps == 0) {
            throw new InvalidDataException("worker " + smallestRank + " holds " + smallest
                    + " rows, fewer than one per-worker batch of " + spec.localBatchSize() + " (batch_size "
                    + spec.globalBatchSize() + " / workers " + spec.workers() + "); use more data or a smaller batch_size");
        }
        return steps;
    }

    /**
     * Loss and timing since the last logged step. Every rank reaches a logged step at the same step,
     * so combining the losses there keeps the collectives in lockstep.
     */
    private final class IntervalTally {
        private long startNanos = System.nanoTime();
        private double lossSum;
        private long steps;
        private long allReduceNanos;
        private long dataNanos;
        private long computeNanos;
        private long waitNanos;
        private double[] stepMillis = new double[Math.max(1, spec.logEverySteps())];
        private int timedSteps;

        void add(ModelReplica.BatchOutcome outcome, long reduceNanos) {
            lossSum += outcome.meanLoss();
            steps++;
            allReduceNanos += reduceNanos;
        }

        /** Adds the time of a step's second collective (a sharded optimizer's all-gather). */
        void addCollective(long nanos) {
            allReduceNanos += nanos;
        }

        /** Adds where the step just ended spent its time. */
        void addStep(StepProfile profile) {
            if (spec.logEverySteps() == 0) {
                return;
            }
            dataNanos += profile.lastStep(StepProfile.Phase.DATA);
            computeNanos += profile.lastStep(StepProfile.Phase.FORWARD_BACKWARD)
                    + profile.lastStep(StepProfile.Phase.GRADIENTS_OUT) + profile.lastStep(StepProfile.Phase.OPTIMIZER);
            waitNanos += profile.lastStep(StepProfile.Phase.ALL_REDUCE);
            if (timedSteps == stepMillis.length) {
                stepMillis = Arrays.copyOf(stepMillis, 2 * stepMillis.length);
            }
            stepMillis[timedSteps++] = profile.lastStepNanos() / 1e6;
        }

        /**
         * Every rank's timing over the interval: one all-gather of each rank's means and step
         * times, so every rank holds the same result.
         */
        private RankTimings gatherTimings() {
            int n = Math.max(1, timedSteps);
            byte[] host = devices.host().getBytes(StandardCharsets.UTF_8);
            ByteBuffer mine = ByteBuffer.allocate(Integer.BYTES * 3 + host.length + Double.BYTES * (3 + timedSteps))
                    .putInt(comm.rank()).putInt(host.length).put(host).putDouble(dataNanos / 1e6 / n)
                    .putDouble(computeNanos / 1e6 / n).putDouble(waitNanos / 1e6 / n).putInt(timedSteps);
            for (int i = 0; i < timedSteps; i++) {
                mine.putDouble(stepMillis[i]);
            }
            List<RankTimings.Rank> ranks = new ArrayList<>();
            for (byte[] share : comm.allGather(mine.array())) {
                ByteBuffer in = ByteBuffer.wrap(share);
                int rank = in.getInt();
                byte[] name = new byte[in.getInt()];
                in.get(name);
                double data = in.getDouble();
                double compute = in.getDouble();
                double wait = in.getDouble();
                double[] times = new double[in.getInt()];
                for (int i = 0; i < times.length; i++) {
                    times[i] = in.getDouble();
                }
                ranks.add(new RankTimings.Rank(rank, new String(name, StandardCharsets.UTF_8), data, compute, wait,
                        times));
            }
            return RankTimings.of(ranks);
        }

        StepMetrics finish(long done, long totalSteps, int epoch, float learningRate,
                List<CheckpointWrite> checkpoints) {
            float[] totals = {(float) lossSum, steps};
            comm.allReduce(totals, ReduceOp.SUM);
            RankTimings timings = gatherTimings();
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            StepMetrics metrics = new StepMetrics(done, totalSteps, epoch, totals[0] / totals[1],
                    steps * (double) spec.globalBatchSize() / seconds, allReduceNanos / 1e6 / steps, learningRate,
                    timings, checkpoints);
            startNanos = System.nanoTime();
            lossSum = 0;
            steps = 0;
            allReduceNanos = 0;
            dataNanos = 0;
            computeNanos = 0;
            waitNanos = 0;
            timedSteps = 0;
            return metrics;
        }
    }

    /** Loss and accuracy sums of the current epoch on this rank, combined over all ranks at its end. */
    private final class EpochTally {
        private final long startNanos = System.nanoTime();
        private double lossSum;
        private long correct;
        private long steps;

        void add(ModelReplica.BatchOutcome outcome, int batch) {
            lossSum += (double) outcome.meanLoss() * batch;
            correct += outcome.correct();
            steps++;
        }

        EpochMetrics finish(int epoch) {
            float[] totals = {(float) lossSum, correct, (float) steps * spec.localBatchSize()};
            comm.allReduce(totals, ReduceOp.SUM);
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            // Accuracy means nothing for regression: NaN says so rather than a misleading 0%.
            double accuracy = spec.columns().objective().classifies() ? totals[1] / totals[2] : Double.NaN;
            return new EpochMetrics(epoch, steps, totals[0] / totals[2], accuracy, totals[2] / seconds, seconds);
        }
    }
}
