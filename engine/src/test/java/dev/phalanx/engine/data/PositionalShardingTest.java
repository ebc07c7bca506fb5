package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.job.DataFingerprint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.Tuple2;

/**
 * Shards read straight from Fashion-MNIST's files against the shards Spark makes of the same
 * files' DataFrame (its count job and shuffle): the same rows at the same positions on every
 * worker, and the same fingerprint.
 */
class PositionalShardingTest {

    private static final ColumnSpec COLUMNS = new ColumnSpec("features", "label", 784, 10);

    @Test
    void theRealTestSplitShardsAsItsDataFrameDoes() throws IOException {
        // 10 000 rows in blocks of 32: the last block is a partial one.
        assertSameShards(Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.Split.TEST, 3, 32);
    }

    @Test
    void fewerRowsThanWorkersTimesABatchShardAsTheDataFrameDoes(@TempDir Path dir) throws IOException {
        IdxBytes.fashionMnist(dir, 30, 20);
        assertSameShards(dir, FashionMnist.Split.TRAIN, 4, 8);
        assertSameShards(dir, FashionMnist.Split.TEST, 1, 7);
    }

    @Test
    void aFingerprintComputedInTheBackgroundIsTheSame() throws IOException {
        PositionalRows rows = FashionMnist.positional(Path.of(FashionMnist.DEBIAN_DIR), FashionMnist.Split.TEST);
        Sharding.Sharded started = Sharding.shard(FingerprintedRows.start(rows), SparkTestSession.get().sparkContext(),
                COLUMNS, 2, 16);
        assertEquals(Sharding.fingerprint(rows), started.fingerprint());
        assertEquals(10_000, started.fingerprint().rows());
        assertEquals(10_000, started.keyed().count());
    }

    @Test
    void aDamagedFileIsNamedBeforeAnyTaskRuns(@TempDir Path dir) throws IOException {
        IdxBytes.fashionMnist(dir, 30, 20);
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        PositionalRows rows = FashionMnist.positional(dir, FashionMnist.Split.TRAIN);
        byte[] whole = Files.readAllBytes(images);
        // A damaged CRC: the header and the trailer's length still agree, so only reading finds it.
        Files.write(images, IdxBytes.flipped(whole, whole.length - 8));
        InvalidDataException damaged = assertThrows(InvalidDataException.class,
                () -> Sharding.shard(rows, SparkTestSession.get().sparkContext(), COLUMNS, 2, 4));
        assertTrue(damaged.getMessage().startsWith("data file " + images + " is corrupt"), damaged.getMessage());
        // The same error, read in the background, reaches whoever waits for the fingerprint.
        InvalidDataException background = assertThrows(InvalidDataException.class, () -> Sharding.shard(
                FingerprintedRows.start(rows), SparkTestSession.get().sparkContext(), COLUMNS, 2, 4));
        assertEquals(damaged.getMessage(), background.getMessage());
    }

    @Test
    void aFileChangedSinceTheLastReadIsReadAgain(@TempDir Path dir) throws IOException {
        IdxBytes.fashionMnist(dir, 30, 20);
        PositionalRows rows = FashionMnist.positional(dir, FashionMnist.Split.TEST);
        DataFingerprint before = Sharding.fingerprint(rows);
        assertEquals(before, Sharding.fingerprint(rows));
        // As many images, other pixels: the read this JVM keeps must not serve the new file.
        IdxBytes.fashionMnist(dir.resolve("other"), 20, 20);
        Files.copy(dir.resolve("other/train-images-idx3-ubyte.gz"), dir.resolve("t10k-images-idx3-ubyte.gz"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(dir.resolve("t10k-images-idx3-ubyte.gz"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertNotEquals(before, Sharding.fingerprint(rows));
    }

    private static void assertSameShards(Path dir, FashionMnist.Split split, int workers, int localBatch)
            throws IOException {
        SparkSession spark = SparkTestSession.get();
        PositionalRows rows = FashionMnist.positional(dir, split);
        Sharding.Sharded direct = Sharding.shard(rows, spark.sparkContext(), COLUMNS, workers, localBatch);
        Sharding.Sharded shuffled = Sharding.shard(FashionMnist.load(spark, dir, split, 3), COLUMNS, workers,
                localBatch);
        assertEquals(shuffled.fingerprint(), direct.fingerprint());
        assertEquals(shuffled.trainingRows(), direct.trainingRows());
        assertEquals(rows.count(), direct.trainingRows());
        assertEquals(0, direct.validationRows());
        List<List<Tuple2<Long, LabeledSample>>> expected = shuffled.keyed().glom().collect();
        List<List<Tuple2<Long, LabeledSample>>> actual = direct.keyed().glom().collect();
        assertEquals(workers, actual.size());
        long total = 0;
        for (int rank = 0; rank < workers; rank++) {
            List<Tuple2<Long, LabeledSample>> want = expected.get(rank);
            List<Tuple2<Long, LabeledSample>> got = actual.get(rank);
            assertEquals(want.size(), got.size(), "rows of rank " + rank);
            for (int i = 0; i < want.size(); i++) {
                assertEquals(want.get(i)._1(), got.get(i)._1(), "position of row " + i + " of rank " + rank);
                assertEquals(want.get(i)._2().label(), got.get(i)._2().label(), "label at " + want.get(i)._1());
                assertArrayEquals(want.get(i)._2().features(), got.get(i)._2().features(),
                        "features at " + want.get(i)._1());
            }
            total += got.size();
        }
        assertEquals(rows.count(), total);
    }
}
