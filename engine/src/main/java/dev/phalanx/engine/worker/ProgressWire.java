package dev.phalanx.engine.worker;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** The wire format of progress reports: fixed fields, no object deserialisation on the driver. */
public final class ProgressWire {

    private ProgressWire() {}

    /** Writes one report and flushes. */
    public static void write(DataOutputStream out, EpochMetrics m) throws IOException {
        out.writeInt(m.epoch());
        out.writeLong(m.steps());
        out.writeDouble(m.loss());
        out.writeDouble(m.accuracy());
        out.writeDouble(m.samplesPerSecond());
        out.writeDouble(m.seconds());
        out.flush();
    }

    /** Reads one report written by {@link #write(DataOutputStream, EpochMetrics)}. */
    public static EpochMetrics read(DataInputStream in) throws IOException {
        return new EpochMetrics(
                in.readInt(), in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
    }
}
