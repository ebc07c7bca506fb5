package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire format of progress reports: a type byte and fixed fields, no object deserialisation
 * on the driver.
 */
public final class ProgressWire {

    private static final byte EPOCH = 'E';
    private static final byte STEP = 'S';
    private static final byte VALIDATION = 'V';

    private ProgressWire() {}

    /** Receives decoded reports. */
    public interface Handler {
        /** An epoch ended. */
        void epoch(EpochMetrics metrics);

        /** A logged step ended. */
        void step(StepMetrics metrics);

        /** A validation ended. */
        void validation(Validation validation);
    }

    /** Writes one epoch report and flushes. */
    public static void write(DataOutputStream out, EpochMetrics m) throws IOException {
        out.writeByte(EPOCH);
        out.writeInt(m.epoch());
        out.writeLong(m.steps());
        out.writeDouble(m.loss());
        out.writeDouble(m.accuracy());
        out.writeDouble(m.samplesPerSecond());
        out.writeDouble(m.seconds());
        out.flush();
    }

    /** Writes one step report and flushes. */
    public static void write(DataOutputStream out, StepMetrics m) throws IOException {
        out.writeByte(STEP);
        out.writeLong(m.step());
        out.writeLong(m.totalSteps());
        out.writeInt(m.epoch());
        out.writeDouble(m.loss());
        out.writeDouble(m.samplesPerSecond());
        out.writeDouble(m.allReduceMillis());
        out.writeDouble(m.learningRate());
        RankTimings t = m.timings();
        out.writeInt(t.slowestRank());
        out.writeUTF(t.slowestHost());
        out.writeDouble(t.slowestDataMillis());
        out.writeDouble(t.slowestComputeMillis());
        out.writeDouble(t.slowestWaitMillis());
        out.writeDouble(t.medianBusyMillis());
        out.writeDouble(t.stepP50Millis());
        out.writeDouble(t.stepP99Millis());
        out.writeBoolean(t.straggler());
        out.writeInt(m.checkpoints().size());
        for (CheckpointWrite write : m.checkpoints()) {
            out.writeLong(write.step());
            out.writeDouble(write.seconds());
            out.writeDouble(write.pauseSeconds());
        }
        out.flush();
    }

    /** Writes one validation report and flushes. */
    public static void write(DataOutputStream out, Validation v) throws IOException {
        out.writeByte(VALIDATION);
        out.writeInt(v.epoch());
        out.writeLong(v.step());
        EvaluationBytes.write(out, v.evaluation());
        out.flush();
    }

    /** Reads one report and hands it to {@code handler}. */
    public static void read(DataInputStream in, Handler handler) throws IOException {
        byte type = in.readByte();
        if (type == EPOCH) {
            handler.epoch(new EpochMetrics(
                    in.readInt(), in.readLong(), in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble()));
        } else if (type == STEP) {
            long step = in.readLong();
            long totalSteps = in.readLong();
            int epoch = in.readInt();
            double loss = in.readDouble();
            double samplesPerSecond = in.readDouble();
            double allReduceMillis = in.readDouble();
            double learningRate = in.readDouble();
            RankTimings timings = new RankTimings(in.readInt(), in.readUTF(), in.readDouble(), in.readDouble(),
                    in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble(), in.readBoolean());
            List<CheckpointWrite> checkpoints = new ArrayList<>();
            for (int i = in.readInt(); i > 0; i--) {
                checkpoints.add(new CheckpointWrite(in.readLong(), in.readDouble(), in.readDouble()));
            }
            handler.step(new StepMetrics(step, totalSteps, epoch, loss, samplesPerSecond, allReduceMillis,
                    learningRate, timings, List.copyOf(checkpoints)));
        } else if (type == VALIDATION) {
            handler.validation(new Validation(in.readInt(), in.readLong(), EvaluationBytes.read(in)));
        } else {
            throw new IOException("unknown progress report type " + type);
        }
    }
}
