package dev.phalanx.launcher;

import dev.phalanx.engine.api.ProgressListener;
import dev.phalanx.engine.worker.EpochMetrics;
import java.io.PrintStream;
import java.util.Locale;

/** Prints one line per finished epoch to the console. */
final class ConsoleProgress implements ProgressListener {

    private final PrintStream out;
    private final int epochs;

    ConsoleProgress(PrintStream out, int epochs) {
        this.out = out;
        this.epochs = epochs;
    }

    @Override
    public void onEpoch(EpochMetrics m) {
        out.println(String.format(Locale.ROOT,
                "epoch %d/%d  loss %.4f  train accuracy %.2f%%  %,.0f samples/s  %d steps  %.1f s",
                m.epoch(), epochs, m.loss(), 100 * m.accuracy(), m.samplesPerSecond(), m.steps(), m.seconds()));
        out.flush();
    }

    @Override
    public void onEvent(String message) {
        out.println("phalanx: " + message);
        out.flush();
    }
}
