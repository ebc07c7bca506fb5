package dev.phalanx.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * What the TorchScript tests share: the modules and golden values that
 * {@code src/test/python/torchscript_golden.py} wrote into {@code src/test/resources/torchscript/},
 * the same fixed data that script trains on, and one forward/backward pass and one plain-SGD step
 * done the way PyTorch's {@code cross_entropy} and {@code torch.optim.SGD} do them.
 */
final class TorchScriptGolden {

    static final Shape SAMPLE = new Shape(1, 28, 28);
    static final int FEATURES = 784;
    static final int CLASSES = 10;

    private TorchScriptGolden() {}

    /** Returns the bytes of a file in {@code src/test/resources/torchscript/}. */
    static byte[] resource(String file) {
        try (InputStream in = TorchScriptGolden.class.getResourceAsStream("/torchscript/" + file)) {
            if (in == null) {
                throw new IllegalStateException("torchscript/" + file + " is not on the test classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns golden.json. */
    static JsonNode golden() {
        try {
            return new ObjectMapper().readTree(resource("golden.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the inputs of samples {@code first …} as torchscript_golden.py builds them, shape (count, 1, 28, 28). */
    static NDArray inputs(NDManager manager, int first, int count) {
        float[] values = new float[count * FEATURES];
        for (int s = 0; s < count; s++) {
            for (int k = 0; k < FEATURES; k++) {
                long i = (long) (first + s) * FEATURES + k;
                values[s * FEATURES + k] = (float) (((i * 7919 + 13) % 1009) / 1009.0 - 0.5);
            }
        }
        return manager.create(values, new Shape(count).addAll(SAMPLE));
    }

    /** Returns the one-hot labels of samples {@code first …}: sample n is class (7 n + 3) mod 10. */
    static NDArray oneHotLabels(NDManager manager, int first, int count) {
        float[] values = new float[count * CLASSES];
        for (int s = 0; s < count; s++) {
            values[s * CLASSES + (int) ((7L * (first + s) + 3) % CLASSES)] = 1;
        }
        return manager.create(values, new Shape(count, CLASSES));
    }

    /** Returns the module's scores for {@code inputs} in eval mode. */
    static float[] evalOutputs(TorchScriptModule module, NDManager manager, NDArray inputs) {
        try (NDList outputs = module.block().forward(new ParameterStore(manager, false), new NDList(inputs), false)) {
            return outputs.head().toFloatArray();
        }
    }

    /**
     * Runs a training forward and backward pass of the mean cross-entropy over samples
     * {@code first … first + count - 1}, with every gradient zeroed first; returns the loss.
     */
    static float lossAndGradients(TorchScriptModule module, NDManager manager, int first, int count) {
        for (NDArray parameter : module.parameters()) {
            if (parameter.hasGradient()) {
                JniUtils.zeroGrad((PtNDArray) parameter);
            }
        }
        try (NDManager step = manager.newSubManager()) {
            NDArray inputs = inputs(step, first, count);
            NDArray labels = oneHotLabels(step, first, count);
            JniUtils.setGradMode(true);
            try {
                NDArray scores = module.block()
                        .forward(new ParameterStore(step, false), new NDList(inputs), true).head();
                NDArray loss = scores.logSoftmax(1).mul(labels).sum().neg().div(count);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) step.ones(loss.getShape()), false, false);
                return loss.getFloat();
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    /** Subtracts {@code learningRate} times each gradient from its parameter, as torch.optim.SGD without momentum. */
    static void sgdStep(TorchScriptModule module, float learningRate) {
        for (NDArray parameter : module.parameters()) {
            try (NDArray gradient = parameter.getGradient(); NDArray update = gradient.mul(learningRate)) {
                parameter.subi(update);
            }
        }
    }
}
