package dev.phalanx.engine.api.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.phalanx.engine.SyntheticData;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training further from a checkpoint, as a notebook user does: a second {@code fit} with more
 * epochs and the same checkpoint directory continues from where the first stopped, and ends with
 * exactly the parameters of one uninterrupted run.
 */
class ContinueTrainingTest {

    @Test
    void aSecondFitWithMoreEpochsContinuesExactlyFromTheCheckpoint(@TempDir Path dir) {
        Dataset<Row> data = SyntheticData.classification(512, 8, 4, 31);
        PhalanxClassifier classifier = new PhalanxClassifier().setWorkers(2).setBatchSize(32).setSeed(9)
                .setCheckpointDir(dir.resolve("checkpoints").toUri().toString());
        PhalanxClassificationModel first = classifier.setEpochs(1).fit(data);
        assertEquals(1, first.history().size());
        PhalanxClassificationModel continued = classifier.setEpochs(3).fit(data);
        assertEquals(3, continued.history().size());
        assertEquals(first.history().get(0), continued.history().get(0), "epoch 1 is the first fit's, not retrained");

        PhalanxClassificationModel uninterrupted = new PhalanxClassifier().setWorkers(2).setBatchSize(32).setSeed(9)
                .setEpochs(3).fit(data);
        assertArrayEquals(uninterrupted.parameters(), continued.parameters());
    }
}
