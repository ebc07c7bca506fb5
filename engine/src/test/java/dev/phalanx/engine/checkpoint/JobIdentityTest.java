package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.phalanx.engine.job.DataFingerprint;
import org.junit.jupiter.api.Test;

class JobIdentityTest {

    private static final DataFingerprint DATA = new DataFingerprint(60_000, 0x1234_5678_9abc_def0L);
    private static final JobIdentity MLP = mlp("mlp", "(256, 784) (256)", 2, DATA);

    private static JobIdentity mlp(String model, String shapes, int workers, DataFingerprint data) {
        return new JobIdentity(model, shapes, "sgd", workers, 128, 42, true, data);
    }

    @Test
    void theSameJobMayResume() {
        assertNull(MLP.mismatchWith(mlp("mlp", "(256, 784) (256)", 2, DATA)));
        assertNull(MLP.dataMismatchWith(mlp("mlp", "(256, 784) (256)", 2, DATA)));
    }

    @Test
    void anotherModelOrShapeIsSpelledOut() {
        assertEquals("it holds model 'mlp' with parameters (256, 784) (256); this job trains 'cnn' with parameters"
                + " (32, 1, 3, 3)", MLP.mismatchWith(mlp("cnn", "(32, 1, 3, 3)", 2, DATA)));
        assertEquals("it holds model 'mlp' with parameters (256, 784) (256); this job trains 'mlp' with parameters"
                + " (256, 3072) (256)", MLP.mismatchWith(mlp("mlp", "(256, 3072) (256)", 2, DATA)));
    }

    @Test
    void anotherSampleOrderIsSpelledOut() {
        JobIdentity otherBatch = new JobIdentity("mlp", "(256, 784) (256)", "sgd", 2, 64, 42, true, DATA);
        assertEquals("it was written with batch_size = 128, seed = 42, shuffle = true; this job has"
                + " batch_size = 64, seed = 42, shuffle = true (exact resume needs the same sample order)",
                MLP.mismatchWith(otherBatch));
    }

    @Test
    void anotherNumberOfWorkersResumesAndSaysWhatChanges() {
        JobIdentity four = mlp("mlp", "(256, 784) (256)", 4, DATA);
        assertNull(MLP.mismatchWith(four), "the state is re-sharded for another number of workers");
        assertNull(MLP.workersChangeWith(mlp("mlp", "(256, 784) (256)", 2, DATA)));
        assertEquals("it was written by 2 workers and this job has 4: the parameters and optimizer state are"
                + " re-sharded on load; with shuffle = true the samples of the remaining steps are drawn as 4 workers"
                + " draw them, not as the 2 would have", MLP.workersChangeWith(four));
        JobIdentity unshuffled = new JobIdentity("mlp", "(256, 784) (256)", "sgd", 2, 128, 42, false, DATA);
        assertEquals("it was written by 2 workers and this job has 3: the parameters and optimizer state are"
                + " re-sharded on load", unshuffled.workersChangeWith(
                        new JobIdentity("mlp", "(256, 784) (256)", "sgd", 3, 128, 42, false, DATA)));
    }

    @Test
    void otherDataNamesBothFingerprintsApartFromTheOtherFields() {
        JobIdentity otherData = mlp("mlp", "(256, 784) (256)", 2, new DataFingerprint(60_000, 0xff));
        assertNull(MLP.mismatchWith(otherData), "the data is compared on its own, so a user may override it");
        assertEquals("it was trained on other data (60000 rows, content hash 123456789abcdef0); this job's data has"
                + " 60000 rows, content hash 00000000000000ff", MLP.dataMismatchWith(otherData));
    }

    @Test
    void aCheckpointFromBeforeFingerprintsHasNoDataToCompare() throws Exception {
        String earlier = "{\"model\":\"mlp\",\"parameterShapes\":\"(256, 784) (256)\",\"optimizer\":\"sgd\","
                + "\"workers\":2,\"batchSize\":128,\"seed\":42,\"shuffle\":true}";
        JobIdentity read = new ObjectMapper().readValue(earlier, JobIdentity.class);
        assertEquals(mlp("mlp", "(256, 784) (256)", 2, null), read);
        assertNull(read.dataMismatchWith(MLP));
        assertEquals(MLP, new ObjectMapper().readValue(new ObjectMapper().writeValueAsString(MLP), JobIdentity.class));
    }
}
