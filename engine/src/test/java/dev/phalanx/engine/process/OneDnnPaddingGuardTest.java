package dev.phalanx.engine.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import dev.phalanx.engine.model.ModelReplica;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;

/** Which convolutions oneDNN pads, and what the guard does and says for them. */
class OneDnnPaddingGuardTest {

    private static final String NO_CACHE = "glibc.malloc.tcache_count=0";
    private static final InputSpec GREYSCALE = new InputSpec(new long[] {1, 28, 28}, 10);
    private static final List<String> PADDED = List.of("01Conv2d (12 filters over 1 channel)");

    private static List<String> padded(String model) {
        try (ModelReplica replica = ModelReplica.initialised(ModelSpec.parse(model), GREYSCALE, 1)) {
            return replica.paddedConvolutions();
        }
    }

    @Test
    void theBenchmarkCnnAndTheMlpHaveNoPaddedChannels() {
        assertEquals(List.of(), padded("cnn"), "32 filters over 1 channel, then 64 over 32");
        assertEquals(List.of(), padded("mlp"));
    }

    @Test
    void channelCountsThatAreNotMultiplesOfSixteenArePadded() {
        List<String> padded = padded("cnn(filters=12)");
        assertEquals(2, padded.size(), padded.toString());
        assertTrue(padded.get(0).endsWith("(12 filters over 1 channel)"), padded.get(0));
        assertTrue(padded.get(1).endsWith("(24 filters over 12 channels)"), padded.get(1));
        assertFalse(padded("resnet(width=8)").isEmpty());
        assertEquals(List.of(), padded("resnet(width=16)"), "16 filters over 1 channel, then multiples of 16");
    }

    @Test
    void scoringAPaddedModelHoldsTheFillWhileItLivesAndAnUnpaddedOneNeverTurnsItOn() {
        try {
            MallocFill.set(0);
            try (ModelReplica template = ModelReplica.initialised(ModelSpec.parse("cnn"), GREYSCALE, 1);
                    ModelReplica unpadded = ModelReplica.withParameters(ModelSpec.parse("cnn"), GREYSCALE, template.copyParameters())) {
                assertFalse(freshBlockIsFilled(), "the benchmark CNN needs no fill");
            }
            try (ModelReplica template = ModelReplica.initialised(ModelSpec.parse("cnn(filters=12)"), GREYSCALE, 1);
                    ModelReplica padded = ModelReplica.withParameters(ModelSpec.parse("cnn(filters=12)"), GREYSCALE,
                            template.copyParameters())) {
                assertTrue(freshBlockIsFilled(), "malloc fills fresh blocks once a padded model is built for scoring");
            }
            assertFalse(freshBlockIsFilled(), "the fill is off again once the padded model is closed");
        } finally {
            String atStart = System.getenv(OneDnnPaddingGuard.FILL_VARIABLE);
            MallocFill.set(atStart == null || atStart.isBlank() ? 0 : Integer.parseInt(atStart.trim()));
        }
    }

    /** Whether a fresh 64 KiB block (above glibc's per-thread cache) holds nothing but the fill byte. */
    private static boolean freshBlockIsFilled() {
        try (Memory block = new Memory(64 * 1024)) {
            for (long offset = 0; offset < block.size(); offset++) {
                if (block.getByte(offset) != (byte) 0xFE) {
                    return false;
                }
            }
            return true;
        }
    }

    @Test
    void withoutPaddedChannelsNothingIsDone() {
        List<Integer> fills = new ArrayList<>();
        assertEquals(Optional.empty(), OneDnnPaddingGuard.protect(List.of(), Map.of(), recording(fills)).report());
        assertEquals(List.of(), fills);
    }

    @Test
    void paddedChannelsTurnOnTheFillAndSayWhich() {
        List<Integer> fills = new ArrayList<>();
        OneDnnPaddingGuard.Report report = OneDnnPaddingGuard.protect(PADDED, Map.of("GLIBC_TUNABLES", NO_CACHE),
                recording(fills)).report().orElseThrow();
        assertEquals(List.of(1), fills);
        assertEquals(Level.INFO, report.level());
        assertTrue(report.message().contains("1 convolution of this model to blocks of 16 (" + PADDED.get(0) + ")"),
                report.message());
    }

    @Test
    void aReportNamesTheFirstThreeAndCountsTheRest() {
        List<String> five = List.of("a (12 filters over 1 channel)", "b", "c", "d", "e");
        String message = OneDnnPaddingGuard.protect(five, Map.of("GLIBC_TUNABLES", NO_CACHE),
                new FillHolds(value -> true)).report().orElseThrow().message();
        assertTrue(message.contains("5 convolutions of this model to blocks of 16 (a (12 filters over 1 channel), b, c and 2"
                + " more)"), message);
    }

    @Test
    void aFillSetAtStartIsLeftAsItIs() {
        List<Integer> fills = new ArrayList<>();
        assertEquals(Level.INFO, OneDnnPaddingGuard.protect(PADDED,
                Map.of("MALLOC_PERTURB_", "165", "GLIBC_TUNABLES", NO_CACHE), recording(fills))
                .report().orElseThrow().level());
        assertEquals(Level.INFO, OneDnnPaddingGuard.protect(PADDED,
                Map.of("GLIBC_TUNABLES", "glibc.malloc.perturb=1:" + NO_CACHE), recording(fills))
                .report().orElseThrow().level());
        assertEquals(List.of(), fills);
        OneDnnPaddingGuard.protect(PADDED, Map.of("MALLOC_PERTURB_", "0", "GLIBC_TUNABLES", NO_CACHE),
                recording(fills));
        assertEquals(List.of(1), fills, "0 is glibc's default: no fill");
    }

    @Test
    void withTheThreadCacheOnTheWarningNamesTheTunableAndItsExecutorKey() {
        for (String tunables : new String[] {"", "glibc.malloc.tcache_count=7"}) {
            OneDnnPaddingGuard.Report report = OneDnnPaddingGuard.protect(PADDED, Map.of("GLIBC_TUNABLES", tunables),
                    new FillHolds(value -> true)).report().orElseThrow();
            assertEquals(Level.WARNING, report.level(), tunables);
            assertTrue(report.message().contains("set GLIBC_TUNABLES with " + NO_CACHE + " "), report.message());
            assertTrue(report.message().contains("spark.executorEnv.GLIBC_TUNABLES"), report.message());
        }
    }

    @Test
    void aCLibraryThatWillNotFillGetsAWarning() {
        OneDnnPaddingGuard.Report report = OneDnnPaddingGuard.protect(PADDED, Map.of("GLIBC_TUNABLES", NO_CACHE),
                new FillHolds(value -> false)).report().orElseThrow();
        assertEquals(Level.WARNING, report.level());
        assertTrue(report.message().contains("NaN loss"), report.message());
    }

    @Test
    void theFillStaysOnUntilTheLastOfSeveralModelsThatNeedItIsDone() {
        List<Integer> fills = new ArrayList<>();
        FillHolds fill = recording(fills);
        Map<String, String> environment = Map.of("GLIBC_TUNABLES", NO_CACHE);
        OneDnnPaddingGuard.Protection first = OneDnnPaddingGuard.protect(PADDED, environment, fill);
        OneDnnPaddingGuard.Protection second = OneDnnPaddingGuard.protect(PADDED, environment, fill);
        assertEquals(List.of(1), fills, "turned on once, by the first");
        first.close();
        first.close();
        assertEquals(List.of(1), fills, "the second model still trains: the fill stays on");
        second.close();
        assertEquals(List.of(1, 0), fills, "off again, glibc's default, after the last");
        assertEquals(0, fill.holders());
        OneDnnPaddingGuard.protect(PADDED, environment, fill).close();
        assertEquals(List.of(1, 0, 1, 0), fills, "a later training turns it on again");
    }

    @Test
    void aFillSetAtStartIsNeverTurnedOffAndARefusedFillHoldsNothing() {
        List<Integer> fills = new ArrayList<>();
        FillHolds fill = recording(fills);
        OneDnnPaddingGuard.protect(PADDED, Map.of("MALLOC_PERTURB_", "165", "GLIBC_TUNABLES", NO_CACHE), fill).close();
        assertEquals(List.of(), fills);
        FillHolds refused = new FillHolds(value -> false);
        OneDnnPaddingGuard.protect(PADDED, Map.of("GLIBC_TUNABLES", NO_CACHE), refused).close();
        assertEquals(0, refused.holders());
    }

    /** A fill that records the values it is set to instead of changing this process's malloc. */
    private static FillHolds recording(List<Integer> fills) {
        return new FillHolds(value -> fills.add(value));
    }

    @Test
    void tunablesKeepWhatIsSetAndAddTheCacheSetting() {
        assertEquals(NO_CACHE, OneDnnPaddingGuard.tunables(null));
        assertEquals(NO_CACHE, OneDnnPaddingGuard.tunables(" "));
        assertEquals("glibc.malloc.top_pad=1:" + NO_CACHE, OneDnnPaddingGuard.tunables("glibc.malloc.top_pad=1"));
        assertEquals("glibc.malloc.tcache_count=7", OneDnnPaddingGuard.tunables("glibc.malloc.tcache_count=7"),
                "a cache size the user chose is left alone");
    }
}
