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
            float[] expected = floats(expectedParams.get(step));
            for (int i = 0; i < expected.length; i++) {
                float actual = params.get(i);
                float tolerance = ULPS * Math.ulp(expected[i]);
                assertEquals(expected[i], actual, tolerance,
                        name + " step " + (step + 1) + " parameter " + i + ": torch.optim gives " + expected[i]
                                + ", " + ULPS + " ulp is " + tolerance);
            }
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
