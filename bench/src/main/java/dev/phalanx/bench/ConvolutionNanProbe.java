package dev.phalanx.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.Pair;
import dev.phalanx.engine.process.OneDnnPaddingGuard;
import dev.phalanx.engine.model.PyTorchEngine;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import java.util.Locale;

/**
 * Looks for the oneDNN NaN fault that {@code OneDnnPaddingGuard} guards against, in plain DJL
 * (its own Trainer and parameters, nothing of Phalanx): {@code MODEL STEPS BATCH} trains the model
 * on one fixed random batch of 1x28x28 images with plain SGD (0.01), one thread, checks every
 * gradient after each backward pass, and prints {@code BAD step S ...} at the first non-finite
 * one or {@code CLEAN}. A fourth argument {@code guarded} first applies Phalanx's run-time guard
 * ({@code OneDnnPaddingGuard.protect}) to the model, as a Phalanx worker does. Every tenth step it prints a hash of all gradients' bits, so runs under
 * different {@code MALLOC_PERTURB_} bytes can be compared bit for bit. Whether a run fails
 * depends on what memory the process happens to reuse, so run it in many fresh JVMs (see
 * docs/BENCHMARKS.md for the command).
 */
public final class ConvolutionNanProbe {

    private static final InputSpec IMAGES = new InputSpec(new long[] {1, 28, 28}, 10);

    private ConvolutionNanProbe() {}

    /** Runs the probe; see the class comment for the arguments. */
    public static void main(String[] args) {
        String name = args[0];
        int steps = Integer.parseInt(args[1]);
        int batch = Integer.parseInt(args[2]);
        boolean guarded = args.length > 3 && args[3].equals("guarded");
        PyTorchEngine.get();
        JniUtils.setNumThreads(1);
        try (Model model = Model.newInstance(name, Device.cpu(), "PyTorch");
                NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            model.setBlock(ModelCatalog.build(name, IMAGES));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.01f)).build())
                    .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                // Seeded before initialising, so every run starts from the same parameters and hashes compare.
                manager.getEngine().setRandomSeed(1);
                trainer.initialize(IMAGES.batchShape(batch));
                if (guarded) {
                    // Not closed: the fill stays on for the rest of this one-shot probe process.
                    OneDnnPaddingGuard.protect(OneDnnPaddingGuard.paddedConvolutions(model.getBlock())).report()
                            .ifPresent(report -> System.err.println(report.level() + ": " + report.message()));
                }
                NDArray x = manager.randomUniform(0, 1, IMAGES.batchShape(batch));
                NDArray y = manager.randomInteger(0, 10, new Shape(batch), DataType.INT64);
                for (int step = 0; step < steps; step++) {
                    try (NDManager stepManager = manager.newSubManager()) {
                        x.tempAttach(stepManager);
                        y.tempAttach(stepManager);
                        float loss;
                        try (GradientCollector collector = trainer.newGradientCollector()) {
                            NDArray lossArray = trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                            loss = lossArray.getFloat();
                            collector.backward(lossArray);
                        }
                        if (!checkGradients(model, step, loss)) {
                            return;
                        }
                        trainer.step();
                    }
                }
                System.out.println("CLEAN");
            }
        }
    }

    /** Prints the first non-finite gradient and returns false, or every tenth step's hash and true. */
    private static boolean checkGradients(Model model, int step, float loss) {
        long nonFinite = 0;
        long hash = 17;
        String first = null;
        for (Pair<String, Parameter> parameter : model.getBlock().getParameters()) {
            if (!parameter.getValue().requiresGradient()) {
                continue;
            }
            NDArray gradient = parameter.getValue().getArray().getGradient();
            for (float value : gradient.toFloatArray()) {
                hash = hash * 31 + Float.floatToRawIntBits(value);
                if (!Float.isFinite(value)) {
                    nonFinite++;
                    first = first == null ? parameter.getKey() + " " + gradient.getShape() : first;
                }
            }
        }
        if (nonFinite > 0) {
            System.out.printf(Locale.ROOT, "BAD step %d loss %.6f non-finite gradients %d, first in %s%n",
                    step, loss, nonFinite, first);
            return false;
        }
        if (step % 10 == 9) {
            System.out.printf(Locale.ROOT, "step %d gradient hash %016x%n", step + 1, hash);
        }
        return true;
    }
}
