package dev.phalanx.engine.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** glibc's fill, turned on in this running JVM, reaches blocks that held NaNs before. */
class MallocFillTest {

    /** Above glibc's per-thread cache (1 KiB) and below the mmap threshold: a block from the heap. */
    private static final int BLOCK = 64 * 1024;

    @AfterEach
    void restoreTheFillThisProcessStartedWith() {
        String atStart = System.getenv(OneDnnPaddingGuard.FILL_VARIABLE);
        MallocFill.set(atStart == null || atStart.isBlank() ? 0 : Integer.parseInt(atStart.trim()));
    }

    @Test
    void freshBlocksAreFilledWithTheComplementOfTheValue() {
        assertTrue(MallocFill.set(OneDnnPaddingGuard.FILL_VALUE), "glibc accepts M_PERTURB");
        for (int round = 0; round < 3; round++) {
            try (Memory block = new Memory(BLOCK)) {
                for (long offset = 0; offset < BLOCK; offset++) {
                    assertEquals((byte) 0xFE, block.getByte(offset), "round " + round + ", byte " + offset);
                }
                // Leave NaNs behind, as a freed tensor can: the next round's block must not show them.
                for (long offset = 0; offset < BLOCK; offset += Float.BYTES) {
                    block.setFloat(offset, Float.NaN);
                }
            }
        }
    }
}
