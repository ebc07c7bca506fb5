package dev.phalanx.engine.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SyntheticData;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.models.InputSpec;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The device-resident step a GPU worker takes — parameters, gradients and optimizer state in
 * PyTorch's memory, the optimizer as tensor operations, the gradients copied to the host for the TCP
 * ring and back — run whole on real Spark (local[2]) and the CPU ({@code device_resident_on_cpu}),
 * against the default in-place CPU step. SGD's tensor form rounds as the Java loop does, so those
 * runs agree bit for bit, batch-norm statistics included; Adam's agrees to within float rounding.
 */
class DeviceResidentTrainingTest {

    private static final Dataset<Row> IMAGES = SyntheticData.images(96, 1, 12, 3, 11);
    private static final Dataset<Row> VECTORS = SyntheticData.classification(24 * 10 + 7, 20, 4, 9);

    @TempDir
    static Path root;

    private static TrainingOptions batchNormCnn(int workers) {
        return new TrainingOptions("cnn(filters=8, dense=32, batch_norm=true)", new InputSpec(new long[] {1, 12, 12}, 3))
                .optWorkers(workers).optEpochs(2).optBatchSize(16).optSeed(3).optOptimizer("sgd")
                .optLearningRate(0.05).optMomentum(0.9).optWeightDecay(1e-4);
    }

    private static TrainingOptions adamMlp(boolean sharded) {
        return new TrainingOptions("mlp(hidden=32)", new InputSpec(new long[] {20}, 4)).optWorkers(2).optBatchSize(24)
                .optEpochs(3).optSeed(5).optOptimizer("adam").optLearningRate(0.01)
                .optLearningRateSchedule("cosine", 6).optClipGradNorm(0.5).optAccumulationSteps(2)
                .optOptimizerSharding(sharded);
    }

    @Test
    void sgdOnTheDeviceEndsWithTheInPlaceRunsParametersAndBatchNormStatistics() {
        for (int workers : new int[] {1, 2}) {
            float[] inPlace = Phalanx.fit(IMAGES, batchNormCnn(workers)).parameters();
            float[] onDevice = Phalanx.fit(IMAGES, batchNormCnn(workers).optDeviceResidentOnCpu(true)).parameters();
            assertArrayEquals(bits(inPlace), bits(onDevice), "W=" + workers);
        }
    }

    @Test
    void adamWithClippingAccumulationAndShardingOnTheDeviceAgreesWithTheInPlaceRun() {
        for (boolean sharded : new boolean[] {false, true}) {
            float[] inPlace = Phalanx.fit(VECTORS, adamMlp(sharded)).parameters();
            float[] onDevice = Phalanx.fit(VECTORS, adamMlp(sharded).optDeviceResidentOnCpu(true)).parameters();
            double vector = ParameterDifference.normRelative(inPlace, onDevice);
            System.out.printf("device-resident vs in-place, 30 steps of adam + cosine + clipping + 2 micro-batches,"
                    + " W=2%s: ||a - b|| / ||a|| = %.3e, max relative %.3e%n", sharded ? " sharded" : "", vector,
                    ParameterDifference.maxRelative(inPlace, onDevice));
            assertTrue(vector <= 1e-6, (sharded ? "sharded: " : "") + "||a - b|| / ||a|| = " + vector);
        }
    }

    @Test
    void aDeviceResidentRunResumesFromItsCheckpointBitForBit() {
        float[] uninterrupted = Phalanx.fit(VECTORS, adamMlp(false).optDeviceResidentOnCpu(true)).parameters();
        String dir = root.resolve("device-resident").toUri().toString();
        TrainingOptions interrupted = adamMlp(false).optDeviceResidentOnCpu(true).optCheckpointDir(dir)
                .optCheckpointEverySteps(5);
        assertThrows(TrainingFailedException.class, () -> Phalanx.fit(VECTORS, interrupted.optMaxAttempts(1)
                .optFaultInjection(new FaultInjection(1, 13))));
        TrainedModel resumed = Phalanx.fit(VECTORS, adamMlp(false).optDeviceResidentOnCpu(true).optCheckpointDir(dir)
                .optCheckpointEverySteps(5));
        assertEquals(30, resumed.steps());
        assertArrayEquals(bits(uninterrupted), bits(resumed.parameters()),
                "resumed from step 10: the optimizer state came back off the device and went back on");
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
