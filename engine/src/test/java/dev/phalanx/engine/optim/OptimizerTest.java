package dev.phalanx.engine.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The optimizers against PyTorch's own {@code torch.optim.SGD} and {@code torch.optim.Adam}: the
 * parameters after each of 10 steps of varying gradients, which {@code
 * src/test/python/optim_golden.py} recorded in {@code optim-golden.json} (see that script for how
 * to regenerate it).
 */
class OptimizerTest {

    /**
     * How far a parameter may be from PyTorch's: one float32 ulp of PyTorch's value, the tightest
     * bound there is short of bit-equality, and relative by construction, so it holds the tiny
     * parameters (1e-7) as tightly as the large ones (300). Both sides compute in float32 but not
     * with the same operations, so bit-equality is too much to ask: Phalanx forms Adam's moments
     * and denominator in double before rounding to float and rounds {@code lr * v} before
     * subtracting it, while PyTorch rounds after each tensor operation, rounds its scalars ({@code
     * 1 - beta1}, {@code -lr}) to float32 too and may fuse a multiply and add. On this golden file
     * some parameters differ by exactly one ulp, none by more, and the difference does not grow
     * over the 10 steps. A wrong hyper-parameter or formula moves them by far more: Adam's eps
     * 1e-7 instead of 1e-8 by 18 ulps at the first step, beta1 0.91 instead of 0.9 by 1,600 ulps at
     * the second, SGD with dampening by 790 ulps at the first.
     */
    private static final int ULPS = 1;

    /**
     * How far a parameter may be from PyTorch's with weight decay, a schedule or clipping: relative,
     * as Adam's L2 term reaches PyTorch's parameters through a fused multiply-add of its own and eps
     * amplifies that on the parameter whose gradients are 1e-8 (16 ulps, 1.8e-6 relative, measured;
     * AdamW 2 ulps, SGD 1 ulp). The nearest wrong formula is far outside: AdamW's weight decay
     * 0.011 instead of 0.01 by 5.2e-4 relative, SGD's by 3.2e-3, L2 for decoupled decay by 1.4.
     */
    private static final double RELATIVE = 5e-6;

    private static JsonNode golden;

    @BeforeAll
    static void readGolden() throws IOException {
        try (InputStream in = OptimizerTest.class.getResourceAsStream("optim-golden.json")) {
            assertNotNull(in, "optim-golden.json is not on the test classpath");
            golden = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void sgdWithMomentumMatchesTorchOptimSgdStepByStep() {
        JsonNode sgd = golden.get("sgd");
        // Phalanx's SgdMomentum has no dampening, weight decay or Nesterov momentum.
        assertEquals(0.0, sgd.get("dampening").asDouble());
        assertEquals(0.0, sgd.get("weight_decay").asDouble());
        assertFalse(sgd.get("nesterov").asBoolean());
        Optimizer optimizer = Optimizers.create("sgd", size(),
                (float) sgd.get("lr").asDouble(), (float) sgd.get("momentum").asDouble());
        followGolden("sgd", optimizer, sgd.get("params"));
    }

    @Test
    void adamMatchesTorchOptimAdamStepByStep() {
        JsonNode adam = golden.get("adam");
        // The hyper-parameters Phalanx's Adam hard-codes.
        assertEquals(0.9, adam.get("beta1").asDouble());
        assertEquals(0.999, adam.get("beta2").asDouble());
        assertEquals(1e-8, adam.get("eps").asDouble());
        assertEquals(0.0, adam.get("weight_decay").asDouble());
        assertFalse(adam.get("amsgrad").asBoolean());
        Optimizer optimizer = Optimizers.create("adam", size(), (float) adam.get("lr").asDouble(), 0f);
        followGolden("adam", optimizer, adam.get("params"));
    }

    @Test
    void weightDecayMatchesTorchOptimSgdAdamAndAdamW() {
        for (String[] optimizer : new String[][] {{"sgd_weight_decay", "sgd"}, {"adam_weight_decay", "adam"},
                {"adamw", "adamw"}}) {
            JsonNode expected = golden.get(optimizer[0]);
            Optimizer created = Optimizers.create(optimizer[1], size(), (float) expected.get("lr").asDouble(),
                    (float) golden.get("sgd").get("momentum").asDouble(), (float) expected.get("weight_decay").asDouble());
            FloatBuffer params = FloatBuffer.wrap(floats(golden.get("initial")));
            for (int step = 0; step < golden.get("gradients").size(); step++) {
                created.step(params, FloatBuffer.wrap(floats(golden.get("gradients").get(step))));
                checkRelative(optimizer[0], step, floats(expected.get("params").get(step)), params);
            }
        }
    }

    @Test
    void adamWUnderAWarmUpCosineScheduleWithClippingMatchesLambdaLrAndClipGradNorm() {
        JsonNode expected = golden.get("adamw_cosine_warmup_clipped");
        int steps = expected.get("steps").asInt();
        LearningRateSchedule schedule = new LearningRateSchedule("cosine", (float) expected.get("lr").asDouble(),
                expected.get("warmup").asLong(), 0, 1);
        Optimizer optimizer = Optimizers.create("adamw", size(), schedule.base(), 0f,
                (float) expected.get("weight_decay").asDouble());
        FloatBuffer params = FloatBuffer.wrap(floats(golden.get("initial")));
        for (int step = 0; step < steps; step++) {
            float lr = schedule.at(step, steps);
            assertEquals((float) expected.get("lrs").get(step).asDouble(), lr, Math.ulp(lr),
                    "LambdaLR's rate at step " + step);
            optimizer.setLearningRate(lr);
            FloatBuffer gradients = FloatBuffer.wrap(floats(golden.get("gradients").get(step)));
            double norm = GradientClipping.clip(gradients, size(), expected.get("max_norm").asDouble());
            assertEquals(expected.get("norms").get(step).asDouble(), norm, 2 * Math.ulp((float) norm),
                    "clip_grad_norm_'s norm at step " + step);
            optimizer.step(params, gradients);
            checkRelative("adamw_cosine_warmup_clipped", step, floats(expected.get("params").get(step)), params);
        }
    }

    @Test
    void stateRestoresIntoAFreshOptimizerAndContinuesIdentically() {
        FloatBuffer gradients = FloatBuffer.wrap(new float[] {0.5f, -1.0f, 2.0f});
        FloatBuffer a = FloatBuffer.wrap(new float[] {1, 2, 3});
        Optimizer first = Optimizers.create("adam", 3, 0.01f, 0f);
        first.step(a, gradients);
        FloatBuffer b = FloatBuffer.wrap(a.array().clone());
        Optimizer second = Optimizers.create("adam", 3, 0.01f, 0f);
        second.restore(first.state());
        first.step(a, gradients);
        second.step(b, gradients);
        assertArrayEquals(a.array(), b.array());
        assertThrows(IllegalArgumentException.class,
                () -> Optimizers.create("sgd", 3, 0.1f, 0.9f).restore(first.state()));
    }

    private static int size() {
        return golden.get("initial").size();
    }

    /** Steps {@code optimizer} through the golden gradients, checking the parameters after each. */
    private static void followGolden(String name, Optimizer optimizer, JsonNode expectedParams) {
        JsonNode gradients = golden.get("gradients");
        assertEquals(gradients.size(), expectedParams.size());
        assertTrue(gradients.size() >= 10, "the golden file has " + gradients.size() + " steps");
        FloatBuffer params = FloatBuffer.wrap(floats(golden.get("initial")));
        for (int step = 0; step < gradients.size(); step++) {
            optimizer.step(params, FloatBuffer.wrap(floats(gradients.get(step))));
            check(name, step, floats(expectedParams.get(step)), params, ULPS);
        }
    }

    private static void checkRelative(String name, int step, float[] expected, FloatBuffer params) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = RELATIVE * Math.abs(expected[i]);
            assertEquals(expected[i], params.get(i), tolerance, name + " step " + (step + 1) + " parameter " + i
                    + ": torch.optim gives " + expected[i] + ", tolerance " + tolerance);
        }
    }

    private static void check(String name, int step, float[] expected, FloatBuffer params, int ulps) {
        for (int i = 0; i < expected.length; i++) {
            float actual = params.get(i);
            float tolerance = ulps * Math.ulp(expected[i]);
            assertEquals(expected[i], actual, tolerance, name + " step " + (step + 1) + " parameter " + i
                    + ": torch.optim gives " + expected[i] + ", " + ulps + " ulp is " + tolerance);
        }
    }

    /** Reads a JSON array of float32 values (written as decimals that read back exactly). */
    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
