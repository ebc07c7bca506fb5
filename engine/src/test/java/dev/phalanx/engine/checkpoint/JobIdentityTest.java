package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class JobIdentityTest {

    private static final JobIdentity MLP = new JobIdentity("mlp", "(256, 784) (256)", "sgd", 2, 128, 42, true);

    @Test
    void theSameJobMayResume() {
        assertNull(MLP.mismatchWith(new JobIdentity("mlp", "(256, 784) (256)", "sgd", 2, 128, 42, true)));
    }

    @Test
    void anotherModelOrShapeIsSpelledOut() {
        assertEquals("it holds model 'mlp' with parameters (256, 784) (256); this job trains 'cnn' with parameters"
                + " (32, 1, 3, 3)", MLP.mismatchWith(new JobIdentity("cnn", "(32, 1, 3, 3)", "sgd", 2, 128, 42, true)));
        assertEquals("it holds model 'mlp' with parameters (256, 784) (256); this job trains 'mlp' with parameters"
                + " (256, 3072) (256)", MLP.mismatchWith(new JobIdentity("mlp", "(256, 3072) (256)", "sgd", 2, 128, 42, true)));
    }

    @Test
    void anotherSampleOrderIsSpelledOut() {
        assertEquals("it was written with workers = 2, batch_size = 128, seed = 42, shuffle = true; this job has"
                + " workers = 4, batch_size = 128, seed = 42, shuffle = true (exact resume needs the same sample order)",
                MLP.mismatchWith(new JobIdentity("mlp", "(256, 784) (256)", "sgd", 4, 128, 42, true)));
    }
}
