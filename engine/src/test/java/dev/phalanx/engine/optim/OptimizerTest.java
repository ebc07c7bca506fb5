package dev.phalanx.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** The optimizers against PyTorch's update rules, written out in double precision. */
class OptimizerTest {

    private static final FloatBuffer GRADIENTS = FloatBuffer.wrap(new float[] {0.5f, -1.0f, 2.0f});

    @Test
    void sgdWithMomentumFollowsTorchOptimSgd() {
        FloatBuffer params = FloatBuffer.wrap(new float[] {1, 1, 1});
        Optimizer sgd = Optimizers.create("sgd", 3, 0.1f, 0.9f);
        double[] p = {1, 1, 1};
        double[] v = new double[3];
        for (int step = 0; step < 3; step++) {
            sgd.step(params, GRADIENTS);
            for (int i = 0; i < 3; i++) {
                v[i] = 0.9 * v[i] + GRADIENTS.get(i);
                p[i] -= 0.1 * v[i];
                assertEquals(p[i], params.get(i), 1e-6);
            }
        }
    }

    @Test
    void adamFollowsTorchOptimAdam() {
        FloatBuffer params = FloatBuffer.wrap(new float[] {1, 1, 1});
        Optimizer adam = Optimizers.create("adam", 3, 0.01f, 0f);
        double[] p = {1, 1, 1};
        double[] m = new double[3];
        double[] v = new double[3];
        for (int t = 1; t <= 3; t++) {
            adam.step(params, GRADIENTS);
            for (int i = 0; i < 3; i++) {
                double g = GRADIENTS.get(i);
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double mHat = m[i] / (1 - Math.pow(0.9, t));
                double vHat = v[i] / (1 - Math.pow(0.999, t));
                p[i] -= 0.01 * mHat / (Math.sqrt(vHat) + 1e-8);
                assertEquals(p[i], params.get(i), 1e-6, "step " + t + " index " + i);
            }
        }
    }

    @Test
    void stateRestoresIntoAFreshOptimizerAndContinuesIdentically() {
        FloatBuffer a = FloatBuffer.wrap(new float[] {1, 2, 3});
        Optimizer first = Optimizers.create("adam", 3, 0.01f, 0f);
        first.step(a, GRADIENTS);
        FloatBuffer b = FloatBuffer.wrap(a.array().clone());
        Optimizer second = Optimizers.create("adam", 3, 0.01f, 0f);
        second.restore(first.state());
        first.step(a, GRADIENTS);
        second.step(b, GRADIENTS);
        assertArrayEquals(a.array(), b.array());
        assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("sgd", 3, 0.1f, 0.9f).restore(first.state()));
    }
}
