package dev.phalanx.bench;

import ai.djl.Device;
import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.Communicator;
import dev.phalanx.engine.collective.Communicators;
import dev.phalanx.engine.collective.DeviceBuffer;
import dev.phalanx.engine.collective.ReduceOp;
import dev.phalanx.engine.collective.TcpStoreRendezvous;
import dev.phalanx.engine.collective.WirePrecision;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.engine.model.ParameterLayout;
import dev.phalanx.engine.model.PyTorchEngine;
import dev.phalanx.engine.model.ReplicaGroup;
import dev.phalanx.engine.model.TensorTransfer;
import dev.phalanx.engine.model.TransferCounts;
import dev.phalanx.engine.optim.Optimizer;
import dev.phalanx.engine.optim.Optimizers;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The GPU check that {@code bench/gpu/run.sh} runs (issue 27): what a Phalanx worker does on a GPU,
 * with the worker's own classes ({@link ReplicaGroup} device-resident, the tensor optimizers, the
 * TCP ring) and no Spark, so that it fits on a machine that has a GPU but no cluster. Every mode
 * takes its device as {@code cpu} or {@code gpu(N)}; on the CPU the device-resident path makes every
 * copy a GPU would (the dry run).
 *
 * <ul>
 *   <li>{@code correctness DEVICE STEPS}: 20 (STEPS) SGD-momentum steps of mlp, cnn and resnet (with
 *       batch norm) device-resident on DEVICE against the in-place CPU replica from the same seed
 *       and batches; prints the largest relative loss difference, the parameters' and the batch-norm
 *       statistics' relative differences, and the host-device copies and bytes per step, staged as
 *       the TCP ring stages them, next to what the previous design moved.
 *   <li>{@code ring RANK WORLD PORT DEVICE MODEL STEPS GLOBAL_BATCH OUT}: one rank of a data-parallel
 *       run over loopback (the TCP rendezvous and ring); each step's global batch is the same for
 *       every world size and each rank takes its share. Rank 0 writes the mean losses and the final
 *       parameters to {@code OUT.losses} and {@code OUT.params}.
 *   <li>{@code compare A B}: the largest relative loss difference and the parameters' relative
 *       difference of two {@code ring} outputs.
 *   <li>{@code speed DEVICE MODEL BATCH STEPS ROUNDS}: Phalanx's W=1 step (forward, backward,
 *       gradients, update) device-resident; prints the median over rounds of the mean step time.
 * </ul>
 */
public final class GpuCheck {

    private static final InputSpec GREY = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final InputSpec COLOUR = new InputSpec(new long[] {3, 32, 32}, 10);
    private static final float LEARNING_RATE = 0.01f;
    private static final float MOMENTUM = 0.9f;

    private GpuCheck() {}

    /** Runs one mode; see the class comment. */
    public static void main(String[] args) throws IOException {
        PyTorchEngine.get();
        switch (args[0]) {
            case "correctness" -> correctness(device(args[1]), Integer.parseInt(args[2]));
            case "ring" -> ring(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
                    device(args[4]), args[5], Integer.parseInt(args[6]), Integer.parseInt(args[7]), Path.of(args[8]));
            case "compare" -> compare(Path.of(args[1]), Path.of(args[2]));
            case "speed" -> speed(device(args[1]), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]));
            default -> throw new IllegalArgumentException("unknown mode '" + args[0]
                    + "'; modes: correctness, ring, compare, speed");
        }
    }

    private static Device device(String name) {
        return Device.fromName(name);
    }

    /** The device as the command line names it: {@code cpu} or {@code gpu(N)}. */
    private static String named(Device device) {
        return device.isGpu() ? "gpu(" + device.getDeviceId() + ")" : "cpu";
    }

    /** The input each model of the check takes: the ResNet colour images, the others Fashion-MNIST's. */
    private static InputSpec inputOf(String model) {
        return model.startsWith("resnet") ? COLOUR : GREY;
    }

    private static void correctness(Device device, int steps) {
        for (String model : List.of("mlp", "cnn(batch_norm=true)", "resnet(width=16)")) {
            ModelSpec spec = ModelSpec.parse(model);
            InputSpec input = inputOf(model);
            int batch = 32;
            try (ReplicaGroup cpu = ReplicaGroup.initialised(spec, input, 1, List.of(Device.cpu()),
                            TensorTransfer.IN_PLACE);
                    ReplicaGroup onDevice = ReplicaGroup.initialised(spec, input, 1, List.of(device),
                            TensorTransfer.ON_DEVICE);
                    Optimizer java = Optimizers.create("sgd", cpu.parameterCount(), LEARNING_RATE, MOMENTUM);
                    Optimizer tensors = Optimizers.onTensors("sgd", cpu.parameterCount(), LEARNING_RATE, MOMENTUM,
                            0f)) {
                double lossDifference = 0;
                TransferCounts before = onDevice.transfers();
                for (int step = 0; step < steps; step++) {
                    long[] labels = labels(batch, input.numClasses(), step);
                    float cpuLoss = cpu.forwardBackward(features(input, batch, step), labels).meanLoss();
                    float deviceLoss = onDevice.forwardBackward(features(input, batch, step), labels).meanLoss();
                    lossDifference = Math.max(lossDifference, Math.abs(cpuLoss - deviceLoss) / Math.abs(cpuLoss));
                    cpu.gradientBuffer();
                    // Staged through the host as the TCP ring stages a W > 1 step.
                    DeviceBuffer gradients = onDevice.gradientBuffer();
                    gradients.onHost();
                    gradients.writtenOnHost();
                    cpu.update(java, 0, cpu.parameterCount());
                    onDevice.update(tensors, 0, onDevice.parameterCount());
                    cpu.zeroGradients();
                    onDevice.zeroGradients();
                }
                TransferCounts perRun = onDevice.transfers().since(before);
                float[] expected = cpu.copyParameters();
                float[] actual = onDevice.copyParameters();
                ParameterLayout layout = ModelReplica.parameterLayout(spec, input);
                boolean[] statistics = statisticsMask(layout);
                System.out.printf(Locale.ROOT, "correctness model=%s device=%s steps=%d loss_max_rel=%.3e"
                        + " params_rel=%.3e bn_stats_rel=%s copies_per_step=%.1f+%.1f bytes_per_step=%d+%d"
                        + " previous_design=%d+%d copies %d+%d bytes%n",
                        model.replace(" ", ""), named(device), steps, lossDifference,
                        normRelative(expected, actual, layout, statistics, false),
                        statisticsCount(statistics) == 0 ? "none" : String.format(Locale.ROOT, "%.3e",
                                normRelative(expected, actual, layout, statistics, true)),
                        perRun.toHost() / (double) steps, perRun.toDevice() / (double) steps,
                        perRun.toHostBytes() / steps, perRun.toDeviceBytes() / steps,
                        // Before: every parameter tensor up before the forward pass, every learning
                        // tensor's gradient down after backward (TensorTransfer.COPY).
                        layout.names().size(), learning(layout, statistics),
                        4L * cpu.parameterCount(), 4L * (cpu.parameterCount() - statisticsCount(layout, statistics)));
            }
        }
    }

    private static boolean[] statisticsMask(ParameterLayout layout) {
        boolean[] mask = new boolean[layout.names().size()];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = layout.names().get(i).contains("running");
        }
        return mask;
    }

    private static int statisticsCount(boolean[] mask) {
        int count = 0;
        for (boolean statistic : mask) {
            count += statistic ? 1 : 0;
        }
        return count;
    }

    private static int learning(ParameterLayout layout, boolean[] mask) {
        return layout.names().size() - statisticsCount(mask);
    }

    /** Scalars in the statistics tensors. */
    private static long statisticsCount(ParameterLayout layout, boolean[] mask) {
        long count = 0;
        for (int i = 0; i < mask.length; i++) {
            count += mask[i] ? layout.sizes().get(i) : 0;
        }
        return count;
    }

    /** ||a - b|| / ||a|| over the tensors of {@code layout} whose {@code mask} entry is {@code statistics}. */
    private static double normRelative(float[] a, float[] b, ParameterLayout layout, boolean[] mask,
            boolean statistics) {
        double difference = 0;
        double norm = 0;
        int offset = 0;
        for (int t = 0; t < mask.length; t++) {
            int size = Math.toIntExact(layout.sizes().get(t));
            if (mask[t] == statistics) {
                for (int i = offset; i < offset + size; i++) {
                    double d = (double) a[i] - b[i];
                    difference += d * d;
                    norm += (double) a[i] * a[i];
                }
            }
            offset += size;
        }
        return Math.sqrt(difference / norm);
    }

    private static void ring(int rank, int world, int port, Device device, String model, int steps, int globalBatch,
            Path out) throws IOException {
        ModelSpec spec = ModelSpec.parse(model);
        InputSpec input = inputOf(model);
        int share = globalBatch / world;
        Duration timeout = Duration.ofSeconds(120);
        TcpStoreRendezvous rendezvous = new TcpStoreRendezvous(rank, world, new InetSocketAddress("127.0.0.1", port),
                timeout);
        List<Float> losses = new ArrayList<>();
        try (Communicator comm = Communicators.connect(rank, world, rendezvous, "127.0.0.1",
                        new CollectiveOptions(timeout, "gpu-check"));
                ReplicaGroup group = ReplicaGroup.initialised(spec, input, 1, List.of(device),
                        TensorTransfer.ON_DEVICE);
                Optimizer optimizer = Optimizers.onTensors("sgd", group.parameterCount(), LEARNING_RATE, MOMENTUM,
                        0f)) {
            TransferCounts before = group.transfers();
            for (int step = 0; step < steps; step++) {
                FloatBuffer all = features(input, globalBatch, step);
                long[] labels = labels(globalBatch, input.numClasses(), step);
                int sample = Math.toIntExact(input.sampleSize());
                FloatBuffer mine = all.slice(rank * share * sample, share * sample);
                float loss = group.forwardBackward(mine, Arrays.copyOfRange(labels, rank * share, (rank + 1) * share))
                        .meanLoss();
                float[] mean = {loss / world};
                comm.allReduce(mean, ReduceOp.SUM);
                losses.add(mean[0]);
                comm.allReduce(group.gradientBuffer(), ReduceOp.AVG, WirePrecision.FLOAT32);
                group.update(optimizer, 0, group.parameterCount());
                group.zeroGradients();
            }
            TransferCounts counts = group.transfers().since(before);
            if (rank == 0) {
                Files.write(Path.of(out + ".losses"), losses.stream().map(String::valueOf).toList());
                ByteBuffer bytes = ByteBuffer.allocate(group.parameterCount() * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                bytes.asFloatBuffer().put(group.copyParameters());
                Files.write(Path.of(out + ".params"), bytes.array());
                System.out.printf(Locale.ROOT, "ring model=%s device=%s world=%d steps=%d last_loss=%.6f"
                        + " copies_per_step=%.1f+%.1f bytes_per_step=%d+%d%n", model.replace(" ", ""), named(device), world,
                        steps, losses.get(losses.size() - 1), counts.toHost() / (double) steps,
                        counts.toDevice() / (double) steps, counts.toHostBytes() / steps,
                        counts.toDeviceBytes() / steps);
            }
        }
    }

    private static void compare(Path a, Path b) throws IOException {
        List<String> lossesA = Files.readAllLines(Path.of(a + ".losses"));
        List<String> lossesB = Files.readAllLines(Path.of(b + ".losses"));
        double loss = 0;
        for (int i = 0; i < lossesA.size(); i++) {
            double x = Double.parseDouble(lossesA.get(i));
            double y = Double.parseDouble(lossesB.get(i));
            loss = Math.max(loss, Math.abs(x - y) / Math.abs(x));
        }
        float[] paramsA = readFloats(Path.of(a + ".params"));
        float[] paramsB = readFloats(Path.of(b + ".params"));
        System.out.printf(Locale.ROOT, "compare %s %s steps=%d loss_max_rel=%.3e params_rel=%.3e%n", a.getFileName(),
                b.getFileName(), lossesA.size(), loss, vectorRelative(paramsA, paramsB));
    }

    private static float[] readFloats(Path path) throws IOException {
        FloatBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] values = new float[buffer.remaining()];
        buffer.get(values);
        return values;
    }

    private static void speed(Device device, String model, int batch, int steps, int rounds) {
        ModelSpec spec = ModelSpec.parse(model);
        InputSpec input = inputOf(model);
        FloatBuffer features = features(input, batch, 0);
        long[] labels = labels(batch, input.numClasses(), 0);
        try (ReplicaGroup group = ReplicaGroup.initialised(spec, input, 1, List.of(device),
                        TensorTransfer.ON_DEVICE);
                Optimizer optimizer = Optimizers.onTensors("sgd", group.parameterCount(), LEARNING_RATE, MOMENTUM,
                        0f)) {
            double[] means = new double[rounds];
            for (int round = -1; round < rounds; round++) {
                long start = System.nanoTime();
                for (int step = 0; step < steps; step++) {
                    group.forwardBackward(features.clear(), labels);
                    group.gradientBuffer();
                    group.update(optimizer, 0, group.parameterCount());
                    group.zeroGradients();
                }
                // Waits for the device's queue: the last step's update is in the round's time.
                group.parameters();
                if (round >= 0) {
                    means[round] = (System.nanoTime() - start) / 1e6 / steps;
                }
            }
            Arrays.sort(means);
            System.out.printf(Locale.ROOT, "speed phalanx model=%s device=%s batch=%d steps=%d rounds=%d"
                    + " median_ms_per_step=%.3f%n", model.replace(" ", ""), named(device), batch, steps, rounds,
                    means[rounds / 2]);
        }
    }

    /** {@code count} samples of uniform values, the same for a given {@code seed} in every mode. */
    private static FloatBuffer features(InputSpec input, int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[Math.toIntExact(count * input.sampleSize())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble();
        }
        return FloatBuffer.wrap(values);
    }

    private static long[] labels(int count, int classes, long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1_000_003);
        long[] labels = new long[count];
        for (int i = 0; i < count; i++) {
            labels[i] = random.nextInt(classes);
        }
        return labels;
    }

    /** ||a - b|| / ||a||. */
    private static double vectorRelative(float[] a, float[] b) {
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            difference += d * d;
            norm += (double) a[i] * a[i];
        }
        return Math.sqrt(difference / norm);
    }
}
