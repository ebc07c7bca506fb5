package dev.phalanx.engine.worker;

import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.ReduceOp;
import dev.phalanx.engine.data.EpochOrder;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.data.ShardBuffer;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.optim.SgdMomentum;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The data-parallel training loop of one worker. Each step: gather the local batch, forward and
 * backward, average the gradients over all workers, apply the same SGD update. Since every worker
 * starts from the same parameters and applies the same averaged gradients, all stay identical.
 *
 * <p>Lockstep: every rank makes the same collective calls in the same order — one all-gather of
 * shard sizes, one all-reduce per step and one per epoch — on every path; a rank that fails throws,
 * and its peers fail on their next collective within the timeout.
 */
public final class TrainingLoop {

    private final TrainingSpec spec;
    private final Communicator comm;
    private final ShardBuffer shard;
    private final ProgressReporter progress;

    /** Creates the loop of one worker; {@code progress} is only used by rank 0. */
    public TrainingLoop(TrainingSpec spec, Communicator comm, ShardBuffer shard, ProgressReporter progress) {
        this.spec = spec;
        this.comm = comm;
        this.shard = shard;
        this.progress = progress;
    }

    /** Trains all epochs and returns the final parameters and history. */
    public TrainingResult run() {
        int stepsPerEpoch = agreeStepsPerEpoch();
        int localBatch = spec.localBatchSize();
        int featureLength = spec.columns().featureLength();
        FloatBuffer batchFeatures = FloatBuffer.allocate(localBatch * featureLength);
        long[] batchLabels = new long[localBatch];
        List<EpochMetrics> history = new ArrayList<>();
        long steps = 0;
        long start = System.nanoTime();
        try (ModelReplica model = ModelReplica.initialised(spec.modelName(), spec.input(), spec.seed())) {
            float[] gradients = new float[model.parameterCount()];
            SgdMomentum optimizer = new SgdMomentum(model.parameterCount(), spec.learningRate(), spec.momentum());
            for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
                long epochStart = System.nanoTime();
                int[] order = EpochOrder.of(shard.size(), spec.shuffle(), spec.seed(), epoch, comm.rank());
                double lossSum = 0;
                long correct = 0;
                for (int step = 0; step < stepsPerEpoch; step++) {
                    shard.gather(order, step * localBatch, localBatch, batchFeatures, batchLabels);
                    ModelReplica.BatchOutcome outcome = model.forwardBackward(batchFeatures, batchLabels);
                    model.copyGradients(gradients);
                    model.zeroGradients();
                    comm.allReduce(gradients, ReduceOp.AVG);
                    optimizer.step(model.parameters(), gradients);
                    lossSum += (double) outcome.meanLoss() * localBatch;
                    correct += outcome.correct();
                    steps++;
                }
                history.add(epochMetrics(epoch, stepsPerEpoch, lossSum, correct, epochStart));
                if (comm.rank() == 0) {
                    progress.report(history.get(history.size() - 1));
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double samplesPerSecond = steps * (double) spec.globalBatchSize() / seconds;
            return new TrainingResult(model.copyParameters(), history, steps, seconds, samplesPerSecond);
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
        int steps = smallest / spec.localBatchSize();
        if (steps == 0) {
            throw new InvalidDataException("worker " + smallestRank + " holds " + smallest
                    + " rows, fewer than one per-worker batch of " + spec.localBatchSize() + " (batch_size "
                    + spec.globalBatchSize() + " / workers " + spec.workers() + "); use more data or a smaller batch_size");
        }
        return steps;
    }

    private EpochMetrics epochMetrics(int epoch, int steps, double lossSum, long correct, long epochStart) {
        float[] totals = {(float) lossSum, correct, (float) steps * spec.localBatchSize()};
        comm.allReduce(totals, ReduceOp.SUM);
        double seconds = (System.nanoTime() - epochStart) / 1e9;
        return new EpochMetrics(epoch, steps, totals[0] / totals[2], totals[1] / totals[2],
                totals[2] / seconds, seconds);
    }
}
