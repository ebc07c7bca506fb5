package dev.phalanx.engine.process;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Turns glibc malloc's fill of fresh memory on or off in this running process, as the environment
 * variable {@code MALLOC_PERTURB_} does at start-up.
 *
 * <p>Why at run time: only models with padded convolution channels need the fill (see {@link
 * OneDnnPaddingGuard}), and it costs every other model's steps a {@code memset} of each block
 * allocated and freed; a process that trains, such as a long-lived notebook interpreter or a Spark
 * executor, does not know at start-up which model it will train.
 */
final class MallocFill {

    /** {@code mallopt}'s parameter for the fill byte ({@code M_PERTURB} in glibc's {@code malloc.h}). */
    private static final int M_PERTURB = -6;

    private MallocFill() {}

    /**
     * Makes malloc fill every block it hands out with the byte {@code ~value} (and every freed
     * block with {@code value}) from now on, for every thread of the process; 0 turns the fill off
     * (glibc's default).
     *
     * @return whether the C library accepted the setting: false where it is not glibc (musl's
     *     {@code mallopt} does nothing, macOS has none)
     */
    static boolean set(int value) {
        try {
            Function mallopt = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getFunction("mallopt");
            return mallopt.invokeInt(new Object[] {M_PERTURB, value}) == 1;
        } catch (UnsatisfiedLinkError e) {
            return false;
        }
    }
}
