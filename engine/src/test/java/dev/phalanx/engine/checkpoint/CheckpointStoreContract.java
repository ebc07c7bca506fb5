package dev.phalanx.engine.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.job.DataFingerprint;
import dev.phalanx.engine.optim.OptimizerState;
import dev.phalanx.engine.job.EpochMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every file system under a {@link CheckpointStore} must give: atomic commits, verification
 * that catches truncation and bit flips, fallback to the previous checkpoint, retention. Each
 * subclass runs it against one real file system.
 */
abstract class CheckpointStoreContract {

    private static final JobIdentity IDENTITY =
            new JobIdentity("mlp", "(4, 3) (4)", "sgd", 2, 8, 1, true, new DataFingerprint(80, -7));

    private String dir;
    private CheckpointStore store;

    /** Returns a fresh, empty directory URI on the file system under test. */
    abstract String freshDirectory();

    /** Returns the Hadoop configuration that reaches the file system under test. */
    abstract Configuration configuration();

    @BeforeEach
    void openStore() {
        dir = freshDirectory() + "/" + UUID.randomUUID();
        store = new CheckpointStore(dir, configuration(), 2);
    }

    private static TrainingState state(long step) {
        float[] parameters = new float[1000];
        float[] velocity = new float[1000];
        for (int i = 0; i < parameters.length; i++) {
            parameters[i] = step + i / 1000f;
            velocity[i] = -i;
        }
        return new TrainingState(IDENTITY, step, 10, parameters, new OptimizerState("sgd", step, List.of(velocity)),
                List.of(new EpochMetrics(1, 10, 0.5, 0.8, 100, 1)));
    }

    @Test
    void aCommittedCheckpointLoadsBackBitForBit() {
        CheckpointInfo info = store.commit(state(20));
        assertTrue(info.valid(), info.problem());
        assertEquals("ckpt-000000000020", info.name());
        assertEquals(2, info.epoch());
        TrainingState loaded = store.load(info.uri());
        assertArrayEquals(state(20).parameters(), loaded.parameters());
        assertArrayEquals(state(20).optimizer().buffers().get(0), loaded.optimizer().buffers().get(0));
        assertEquals(20, loaded.optimizer().steps());
        assertEquals(IDENTITY, loaded.identity());
        assertEquals(state(20).history(), loaded.history());
        assertEquals(IDENTITY, store.identity(info));
    }

    @Test
    void retentionKeepsTheNewestAfterEachCommit() {
        store.commit(state(10));
        store.commit(state(20));
        store.commit(state(30));
        List<CheckpointInfo> all = store.list();
        assertEquals(List.of(30L, 20L), all.stream().map(CheckpointInfo::step).toList());
    }

    @Test
    void retentionAfterFallingBackNeverDeletesTheValidCheckpointsForABrokenNewerOne() throws IOException {
        store.commit(state(10));
        store.commit(state(20));
        CheckpointInfo broken = store.commit(state(30));
        fileSystem().delete(new Path(broken.uri(), "_COMMITTED"), false);
        assertEquals(20, store.newestValid().orElseThrow().step());
        // The resumed run commits steps 25 and 27 before it reaches the broken step 30 again.
        store.commit(state(25));
        store.commit(state(27));
        List<CheckpointInfo> all = store.list();
        assertEquals(List.of(30L, 27L, 25L), all.stream().map(CheckpointInfo::step).toList());
        assertFalse(all.get(0).valid());
        assertEquals(27, store.newestValid().orElseThrow().step());
        store.commit(state(30));
        assertEquals(List.of(30L, 27L), store.list().stream().map(CheckpointInfo::step).toList());
        assertTrue(store.list().stream().allMatch(CheckpointInfo::valid));
    }

    @Test
    void aStoreWhereAFileStandsIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path file = new Path(dir + "-file");
        try (OutputStream out = fileSystem().create(file, false)) {
            out.write(1);
        }
        CheckpointStore blocked = new CheckpointStore(file.toString(), configuration(), 2);
        CheckpointException e = assertThrows(CheckpointException.class, blocked::checkWritable);
        assertTrue(e.getMessage().startsWith("cannot write checkpoints to ") && e.getMessage().contains("-file"),
                e.getMessage());
        assertTrue(fileSystem().getFileStatus(file).isFile(), "the file in the way must stay");
        store.checkWritable();
        assertTrue(store.list().isEmpty(), "the probe is not a checkpoint and is gone");
        assertEquals(0, fileSystem().listStatus(new Path(dir)).length);
    }

    @Test
    void aTruncatedNewestFileIsDetectedAndThePreviousUsed() throws IOException {
        store.commit(state(10));
        CheckpointInfo newest = store.commit(state(20));
        rewrite(new Path(newest.uri(), "params.bin"), bytes -> Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointInfo listed = store.list().get(0);
        assertFalse(listed.valid());
        assertTrue(listed.problem().contains("params.bin has") && listed.problem().contains("truncated"), listed.problem());
        assertEquals(10, store.newestValid().orElseThrow().step());
    }

    @Test
    void aFlippedByteIsDetectedAndThePreviousUsed() throws IOException {
        store.commit(state(10));
        CheckpointInfo newest = store.commit(state(20));
        rewrite(new Path(newest.uri(), "optimizer.bin"), bytes -> {
            bytes[bytes.length / 2] ^= 0x10;
            return bytes;
        });
        assertEquals("optimizer.bin fails its checksum (corrupted)", store.list().get(0).problem());
        assertEquals(10, store.newestValid().orElseThrow().step());
        CheckpointException load = assertThrows(CheckpointException.class, () -> store.load(newest.uri()));
        assertTrue(load.getMessage().contains("fails its checksum"), load.getMessage());
    }

    @Test
    void aCheckpointWithoutItsMarkerWasNeverCompleted() throws IOException {
        store.commit(state(10));
        CheckpointInfo newest = store.commit(state(20));
        fileSystem().delete(new Path(newest.uri(), "_COMMITTED"), false);
        assertEquals("no completion marker _COMMITTED", store.list().get(0).problem());
        assertEquals(10, store.newestValid().orElseThrow().step());
    }

    @Test
    void whenEveryCheckpointIsCorruptTheErrorNamesThemAndNothingIsDeleted() throws IOException {
        CheckpointInfo first = store.commit(state(10));
        CheckpointInfo second = store.commit(state(20));
        for (CheckpointInfo info : List.of(first, second)) {
            rewrite(new Path(info.uri(), "state.json"), bytes -> Arrays.copyOf(bytes, 3));
        }
        CheckpointException e = assertThrows(CheckpointException.class, store::newestValid);
        assertTrue(e.getMessage().startsWith("none of the 2 checkpoints in "), e.getMessage());
        assertTrue(e.getMessage().contains("ckpt-000000000020: state.json has 3 bytes"), e.getMessage());
        assertTrue(e.getMessage().endsWith("(nothing was deleted)"), e.getMessage());
        assertTrue(fileSystem().exists(new Path(first.uri(), "params.bin")));
        assertTrue(fileSystem().exists(new Path(second.uri(), "params.bin")));
    }

    @Test
    void anEmptyStoreHasNothingToResumeAndTemporaryFoldersAreNotCheckpoints() throws IOException {
        assertTrue(store.newestValid().isEmpty());
        fileSystem().mkdirs(new Path(dir, "_tmp-ckpt-000000000099-abc"));
        assertTrue(store.newestValid().isEmpty());
        assertTrue(store.list().isEmpty());
    }

    @Test
    void committingOverAnInvalidCheckpointOfTheSameStepKeepsItAside() throws IOException {
        CheckpointInfo broken = store.commit(state(10));
        fileSystem().delete(new Path(broken.uri(), "_COMMITTED"), false);
        CheckpointInfo fresh = store.commit(state(10));
        assertTrue(fresh.valid(), fresh.problem());
        boolean keptAside = Arrays.stream(fileSystem().listStatus(new Path(dir)))
                .anyMatch(s -> s.getPath().getName().startsWith("_invalid-ckpt-000000000010-"));
        assertTrue(keptAside, "the invalid checkpoint should be moved aside, not deleted");
    }

    @Test
    void leftoversOfStepsBeforeTheNewestCommitAreDeletedAndLaterOnesKept() throws IOException {
        List<String> leftovers = List.of("_tmp-ckpt-000000000005-a1", "_invalid-ckpt-000000000005-1700000000000",
                "_tmp-ckpt-000000000010-b2", "_invalid-ckpt-000000000030-1700000000001", "_tmp-ckpt-000000000030-c3");
        for (String leftover : leftovers) {
            fileSystem().mkdirs(new Path(dir, leftover + "/params.bin"));
        }
        store.commit(state(10));
        assertEquals(List.of("_invalid-ckpt-000000000030-1700000000001", "_tmp-ckpt-000000000010-b2",
                "_tmp-ckpt-000000000030-c3", "ckpt-000000000010"), names(),
                "before step 10: deleted; step 10 and later: may still be written or inspected, kept");

        CheckpointInfo broken = store.commit(state(20));
        fileSystem().delete(new Path(broken.uri(), "_COMMITTED"), false);
        store.commit(state(20));
        assertTrue(names().stream().anyMatch(name -> name.startsWith("_invalid-ckpt-000000000020-")),
                "the checkpoint this commit moved aside stays for inspection: " + names());
        store.commit(state(30));
        assertEquals(List.of("_invalid-ckpt-000000000030-1700000000001", "_tmp-ckpt-000000000030-c3",
                "ckpt-000000000020", "ckpt-000000000030"), names(), "keep_checkpoints = 2 and no older leftovers");
    }

    private List<String> names() throws IOException {
        return Arrays.stream(fileSystem().listStatus(new Path(dir))).map(s -> s.getPath().getName()).sorted().toList();
    }

    private FileSystem fileSystem() throws IOException {
        return new Path(dir).getFileSystem(configuration());
    }

    private interface Edit {
        byte[] apply(byte[] bytes);
    }

    private void rewrite(Path file, Edit edit) throws IOException {
        FileSystem fs = fileSystem();
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        try (OutputStream out = fs.create(file, true)) {
            out.write(edit.apply(bytes));
        }
    }
}
