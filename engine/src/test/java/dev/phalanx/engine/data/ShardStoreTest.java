package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardStoreTest {

    private static final int FEATURES = 5;
    /** One record: 5 features and a label, 4 bytes each. */
    private static final int RECORD_BYTES = (FEATURES + 1) * Float.BYTES;

    @TempDir
    Path spillDir;

    /** Sample i: label i % 7, feature j = i * 10 + j + 0.5 (exact in float32), so each value names its sample. */
    private static LabeledSample sample(int i) {
        float[] features = new float[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            features[j] = i * 10f + j + 0.5f;
        }
        return new LabeledSample(features, i % 7);
    }

    private static Iterator<LabeledSample> samples(int count) {
        return IntStream.range(0, count).mapToObj(ShardStoreTest::sample).iterator();
    }

    private ShardStore fill(int count, long budget) {
        return ShardStore.fill(samples(count), FEATURES, budget, spillDir, "test");
    }

    private List<Path> spillFiles() throws Exception {
        try (Stream<Path> files = Files.list(spillDir)) {
            return files.toList();
        }
    }

    /** Gathers every sample in a random order, batch by batch, and checks each one's values. */
    private static void assertGathersExactly(ShardStore store, int count) {
        int[] order = IntStream.range(0, count).toArray();
        SplittableRandom random = new SplittableRandom(11);
        for (int i = count - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        int batch = 6;
        FloatBuffer features = FloatBuffer.allocate(batch * FEATURES);
        long[] labels = new long[batch];
        for (int from = 0; from + batch <= count; from += batch) {
            store.gather(order, from, batch, features, labels);
            assertEquals(0, features.position());
            assertEquals(batch * FEATURES, features.limit());
            for (int i = 0; i < batch; i++) {
                LabeledSample expected = sample(order[from + i]);
                float[] actual = new float[FEATURES];
                features.get(i * FEATURES, actual);
                assertArrayEquals(expected.features(), actual, "features of sample " + order[from + i]);
                assertEquals(expected.label(), labels[i], "label of sample " + order[from + i]);
            }
        }
    }

    @Test
    void aShardWithinTheBudgetStaysInMemory() throws Exception {
        try (ShardStore store = fill(1000, 1 << 20)) {
            assertEquals(1000, store.size());
            assertEquals(1000, store.inMemory());
            assertEquals(0, store.spilled());
            assertTrue(store.spillFile().isEmpty());
            assertEquals(List.of(), spillFiles());
            assertGathersExactly(store, 1000);
        }
    }

    @Test
    void samplesPastTheBudgetSpillAndReadBackAcrossTheBoundary() throws Exception {
        // Under 4 MiB the page is the budget cut to whole records: one page of 25 records.
        long budget = 25L * RECORD_BYTES;
        try (ShardStore store = ShardStore.fill(samples(100), FEATURES, budget, spillDir, "boundary")) {
            assertEquals(100, store.size());
            assertEquals(25, store.inMemory(), "pages are cut to the budget when it is under 4 MiB");
            assertEquals(75, store.spilled());
            Path file = store.spillFile().orElseThrow();
            assertEquals(List.of(file), spillFiles());
            assertTrue(file.getFileName().toString().startsWith("phalanx-shard-boundary-"), file.toString());
            assertEquals(75L * RECORD_BYTES, Files.size(file));
            assertGathersExactly(store, 100);
            // The two records on either side of the boundary, in one batch.
            FloatBuffer features = FloatBuffer.allocate(2 * FEATURES);
            long[] labels = new long[2];
            store.gather(new int[] {25, 24}, 0, 2, features, labels);
            assertEquals(250.5f, features.get(0));
            assertEquals(240.5f, features.get(FEATURES));
            assertArrayEquals(new long[] {25 % 7, 24 % 7}, labels);
        }
    }

    @Test
    void aZeroBudgetSpillsEverySample() throws Exception {
        try (ShardStore store = fill(257, 0)) {
            assertEquals(0, store.inMemory());
            assertEquals(257, store.spilled());
            assertGathersExactly(store, 257);
        }
    }

    @Test
    void aBudgetSmallerThanOneRecordSpillsEverySample() throws Exception {
        try (ShardStore store = fill(30, RECORD_BYTES - 1)) {
            assertEquals(0, store.inMemory());
            assertEquals(30, store.spilled());
            assertGathersExactly(store, 30);
        }
    }

    @Test
    void aLargeSpillCrossesTheWriteBufferAndPagesAreFilledToTheBudget() throws Exception {
        // 4 MiB pages of 174762 records; a budget of 1.5 pages holds one page; the rest (over 1 MiB
        // of write buffer) spills.
        int count = 300_000;
        long budget = MemoryPages.MAX_PAGE_BYTES * 3L / 2;
        try (ShardStore store = fill(count, budget)) {
            int perPage = MemoryPages.MAX_PAGE_BYTES / RECORD_BYTES;
            assertEquals(perPage, store.inMemory());
            assertEquals(count - perPage, store.spilled());
            assertGathersExactly(store, count);
        }
    }

    @Test
    void closeDeletesTheSpillFileFreesTheMemoryAndIsIdempotent() throws Exception {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        ShardStore store = fill(1_000_000, 3L * MemoryPages.MAX_PAGE_BYTES);
        Path file = store.spillFile().orElseThrow();
        assertTrue(Files.exists(file));
        long held = direct.getMemoryUsed() - before;
        // The pool is the whole JVM's: in a full test run other components' small direct buffers
        // come and go meanwhile (a few KiB were seen), so allow a margin far below one page.
        long margin = 64 * 1024;
        assertTrue(held >= 3L * MemoryPages.MAX_PAGE_BYTES - RECORD_BYTES * 3L - margin,
                "three pages of direct memory are in use, got " + held);
        store.close();
        assertFalse(Files.exists(file), "the spill file is deleted");
        assertEquals(List.of(), spillFiles());
        long left = direct.getMemoryUsed() - before;
        assertTrue(left < MemoryPages.MAX_PAGE_BYTES, "direct memory is freed on close, " + left + " bytes left");
        store.close();
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> store.gather(new int[] {0}, 0, 1, FloatBuffer.allocate(FEATURES), new long[1]));
        assertEquals("shard test is closed", closed.getMessage());
    }

    @Test
    void aFailureWhileFillingClosesWhatWasFilled() throws Exception {
        List<LabeledSample> good = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            good.add(sample(i));
        }
        good.add(new LabeledSample(new float[FEATURES + 1], 0));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> ShardStore.fill(good.iterator(), FEATURES, 10L * RECORD_BYTES, spillDir, "failing"));
        assertEquals("sample 50 has 6 features; expected 5", wrong.getMessage());
        assertEquals(List.of(), spillFiles(), "the partial spill file is deleted");
    }

    @Test
    void anUnwritableSpillDirectoryIsNamed() throws Exception {
        Path notADirectory = Files.writeString(spillDir.resolve("file"), "x");
        UncheckedIOException error = assertThrows(UncheckedIOException.class,
                () -> ShardStore.fill(samples(10), FEATURES, 0, notADirectory, "rank-3"));
        assertTrue(error.getMessage().startsWith("cannot spill shard rank-3 to " + notADirectory), error.getMessage());
    }
}
