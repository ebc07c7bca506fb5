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

    /**
     * {@code one_cycle} against {@code torch.optim.lr_scheduler.OneCycleLR}'s {@code get_last_lr()}
     * before every step, in runs of 30, 7 and 3 steps with the default rise (30%) and with {@code
     * warmup_steps}. The float rate Phalanx's optimizers get must be within 1e-6 relative of torch's
     * double (rounding to float alone is at most 6e-8); the double it is rounded from within 1e-12,
     * which holds only with torch's exact phase boundaries: a rise ending at step 1 instead of
     * torch's 1.1 in the 7-step run moves a rate by 3.8e-2 relative, one ending at {@code
     * warmup_steps} instead of {@code warmup_steps - 1} by 0.29 (measured: 4.5e-8 and 0, bit-equal
     * doubles).
     */
    @Test
    void oneCycleMatchesTorchOneCycleLr() {
        JsonNode expected = golden.get("one_cycle");
        assertEquals(25.0, expected.get("div_factor").asDouble());
        assertEquals(1e4, expected.get("final_div_factor").asDouble());
        double worstFloat = 0;
        double worstDouble = 0;
        for (JsonNode run : expected.get("runs")) {
            long total = run.get("total_steps").asLong();
            long warmup = run.get("warmup_steps").asLong();
            LearningRateSchedule schedule = new LearningRateSchedule("one_cycle",
                    (float) expected.get("max_lr").asDouble(), warmup, 0, 1);
            assertEquals(total, run.get("lrs").size());
            for (int step = 0; step < total; step++) {
                double torch = run.get("lrs").get(step).asDouble();
                String where = "OneCycleLR over " + total + " steps, warmup_steps " + warmup + ", step " + step;
                double floatError = Math.abs(schedule.at(step, total) - torch) / torch;
                double doubleError = Math.abs(schedule.oneCycle(step, total) - torch) / torch;
                assertTrue(floatError <= 1e-6, where + ": torch " + torch + ", Phalanx " + schedule.at(step, total));
                assertTrue(doubleError <= 1e-12, where + ": torch " + torch + ", Phalanx " + schedule.oneCycle(step, total));
                worstFloat = Math.max(worstFloat, floatError);
                worstDouble = Math.max(worstDouble, doubleError);
            }
        }
        System.out.printf("one_cycle vs OneCycleLR: max relative difference %.3g (float rate), %.3g (double)%n",
                worstFloat, worstDouble);
    }

    /** Where torch divides 0 by 0 or refuses, and that the generic linear warm-up does not apply. */
    @Test
    void oneCycleEdges() {
        // A rise of one step ends at step 0: the peak there (torch: ZeroDivisionError).
        LearningRateSchedule one = new LearningRateSchedule("one_cycle", 0.1f, 1, 0, 1);
        assertEquals(0.1f, one.at(0, 10));
        assertTrue(one.at(1, 10) < 0.1f && one.at(1, 10) > one.at(2, 10));
        // A rise longer than the run is the whole run (torch refuses pct_start > 1).
        LearningRateSchedule longer = new LearningRateSchedule("one_cycle", 0.1f, 50, 0, 1);
        assertEquals(0.1f / 25, longer.at(0, 10), 1e-9);
        assertEquals(0.1f, longer.at(9, 10), 1e-9);
        // No linear warm-up from 0 on top: step 0 is max_lr / 25.
        assertEquals(0.1f / 25, new LearningRateSchedule("one_cycle", 0.1f, 4, 0, 1).at(0, 20), 1e-9);
        assertEquals(0.1f * 1e-4 / 25, one.at(9, 10), 1e-12);
        assertEquals(0.1f, new LearningRateSchedule("one_cycle", 0.1f, 1, 0, 1).at(0, 1));
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

    @Test
    void theTensorOptimizersMatchTorchOptimStepByStep() {
        JsonNode sgd = golden.get("sgd");
        JsonNode adam = golden.get("adam");
        try (TensorOptimizer tensorSgd = Optimizers.onTensors("sgd", size(), (float) sgd.get("lr").asDouble(),
                        (float) sgd.get("momentum").asDouble(), 0f);
                TensorOptimizer tensorAdam = Optimizers.onTensors("adam", size(), (float) adam.get("lr").asDouble(),
                        0f, 0f)) {
            followGolden("sgd on tensors", tensorSgd, sgd.get("params"), ULPS);
            // Composed of separate products and sums where PyTorch's kernels fuse some: 2 ulps by step 10.
            followGolden("adam on tensors", tensorAdam, adam.get("params"), 2);
        }
        for (String[] optimizer : new String[][] {{"sgd_weight_decay", "sgd"}, {"adam_weight_decay", "adam"},
                {"adamw", "adamw"}}) {
            JsonNode expected = golden.get(optimizer[0]);
            try (TensorOptimizer created = Optimizers.onTensors(optimizer[1], size(),
                    (float) expected.get("lr").asDouble(), (float) golden.get("sgd").get("momentum").asDouble(),
                    (float) expected.get("weight_decay").asDouble())) {
                FloatBuffer params = FloatBuffer.wrap(floats(golden.get("initial")));
                for (int step = 0; step < golden.get("gradients").size(); step++) {
                    created.step(params, FloatBuffer.wrap(floats(golden.get("gradients").get(step))));
                    checkRelative(optimizer[0] + " on tensors", step, floats(expected.get("params").get(step)), params);
                }
            }
        }
    }

    /**
     * SGD's tensor form rounds each product and sum as the Java loop does, so over many steps of
     * random values, with weight decay, the two give the same bits.
     */
    @Test
    void sgdOnTensorsGivesTheJavaLoopsBits() {
        int size = 4099;
        Optimizer java = Optimizers.create("sgd", size, 0.05f, 0.9f, 0.01f);
        FloatBuffer expected = FloatBuffer.wrap(randomValues(size, 1));
        FloatBuffer actual = FloatBuffer.wrap(expected.array().clone());
        try (TensorOptimizer tensors = Optimizers.onTensors("sgd", size, 0.05f, 0.9f, 0.01f)) {
            for (int step = 0; step < 20; step++) {
                float[] gradients = randomValues(size, 100 + step);
                java.step(expected, FloatBuffer.wrap(gradients.clone()));
                tensors.step(actual, FloatBuffer.wrap(gradients.clone()));
                assertArrayEquals(expected.array(), actual.array(), "step " + (step + 1));
            }
        }
    }

    /**
     * Adam's and AdamW's tensor forms against the Java loop over many steps of random values: the
     * same update to within float rounding (the Java loop forms the moments in double), and a state
     * that moves between the two forms, as a checkpoint written by one and resumed by the other.
     */
    @Test
    void adamOnTensorsAgreesWithTheJavaLoopAndSharesItsState() {
        int size = 4099;
        for (String name : new String[] {"adam", "adamw"}) {
            Optimizer java = Optimizers.create(name, size, 1e-3f, 0f, 0.01f);
            FloatBuffer expected = FloatBuffer.wrap(randomValues(size, 2));
            FloatBuffer actual = FloatBuffer.wrap(expected.array().clone());
            try (TensorOptimizer tensors = Optimizers.onTensors(name, size, 1e-3f, 0f, 0.01f)) {
                for (int step = 0; step < 20; step++) {
                    float[] gradients = randomValues(size, 200 + step);
                    java.step(expected, FloatBuffer.wrap(gradients.clone()));
                    tensors.step(actual, FloatBuffer.wrap(gradients.clone()));
                }
                checkNear(name + " on tensors against the Java loop", expected.array(), actual, 1e-3f);
                OptimizerState saved = tensors.state();
                assertEquals(20, saved.steps());
                float[] atStep20 = actual.array().clone();
                float[] gradients = randomValues(size, 300);
                tensors.step(actual, FloatBuffer.wrap(gradients.clone()));
                Optimizer resumedInJava = Optimizers.create(name, size, 1e-3f, 0f, 0.01f);
                resumedInJava.restore(saved);
                FloatBuffer inJava = FloatBuffer.wrap(atStep20.clone());
                resumedInJava.step(inJava, FloatBuffer.wrap(gradients.clone()));
                checkNear(name + " resumed in Java from the tensor state", inJava.array(), actual, 1e-3f);
                try (TensorOptimizer resumed = Optimizers.onTensors(name, size, 1e-3f, 0f, 0.01f)) {
                    resumed.restore(saved);
                    FloatBuffer onTensors = FloatBuffer.wrap(atStep20.clone());
                    resumed.step(onTensors, FloatBuffer.wrap(gradients.clone()));
                    assertArrayEquals(actual.array(), onTensors.array(), name + " resumed on tensors");
                }
            }
        }
    }

    /**
     * Checks that every parameter is within 2 ulps plus 1e-4 of one step's size ({@code
     * learningRate}) of the expected one: float rounding moves Adam's update by about 1e-7 of it over
     * these steps and the parameter itself by an ulp (parameters near zero make a relative bound
     * meaningless), a wrong beta or epsilon moves it by a large part of a step.
     */
    private static void checkNear(String what, float[] expected, FloatBuffer actual, float learningRate) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual.get(i), 2 * Math.ulp(expected[i]) + 1e-4 * learningRate,
                    what + ": parameter " + i);
        }
    }

    private static float[] randomValues(int size, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static int size() {
        return golden.get("initial").size();
    }

    /** Steps {@code optimizer} through the golden gradients, checking the parameters after each. */
    private static void followGolden(String name, Optimizer optimizer, JsonNode expectedParams) {
        followGolden(name, optimizer, expectedParams, ULPS);
    }

    /** As {@link #followGolden(String, Optimizer, JsonNode)} within {@code ulps}. */
    private static void followGolden(String name, Optimizer optimizer, JsonNode expectedParams, int ulps) {
        JsonNode gradients = golden.get("gradients");
        assertEquals(gradients.size(), expectedParams.size());
        assertTrue(gradients.size() >= 10, "the golden file has " + gradients.size() + " steps");
        FloatBuffer params = FloatBuffer.wrap(floats(golden.get("initial")));
        for (int step = 0; step < gradients.size(); step++) {
            optimizer.step(params, FloatBuffer.wrap(floats(gradients.get(step))));
            check(name, step, floats(expectedParams.get(step)), params, ulps);
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
