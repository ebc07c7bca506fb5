package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.Objective;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The binary form of an {@link Evaluation}, as the workers exchange their validation shares and
 * rank 0 reports them to the driver: fixed fields, no object deserialisation.
 */
final class EvaluationBytes {

    private EvaluationBytes() {}

    /** Writes {@code e} to {@code out}. */
    static void write(DataOutputStream out, Evaluation e) throws IOException {
        out.writeUTF(e.objective().key());
        out.writeInt(e.classes());
        out.writeLong(e.count());
        out.writeDouble(e.lossSum());
        out.writeInt(e.confusion().length);
        for (long cell : e.confusion()) {
            out.writeLong(cell);
        }
        out.writeInt(e.topK());
        out.writeLong(e.topKHits());
        out.writeDouble(e.squaredError());
        out.writeDouble(e.absoluteError());
        out.writeDouble(e.targetSum());
        out.writeDouble(e.targetSquares());
    }

    /** Reads what {@link #write} wrote. */
    static Evaluation read(DataInputStream in) throws IOException {
        Objective objective = Objective.parse(in.readUTF());
        int classes = in.readInt();
        long count = in.readLong();
        double lossSum = in.readDouble();
        int cells = in.readInt();
        if (cells < 0 || cells > (long) classes * classes) {
            throw new IOException("an evaluation with " + cells + " confusion cells for " + classes + " classes");
        }
        long[] confusion = new long[cells];
        for (int i = 0; i < cells; i++) {
            confusion[i] = in.readLong();
        }
        return new Evaluation(objective, classes, count, lossSum, confusion, in.readInt(), in.readLong(),
                in.readDouble(), in.readDouble(), in.readDouble(), in.readDouble());
    }

    /** Returns {@code e}'s bytes. */
    static byte[] of(Evaluation e) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            write(out, e);
        } catch (IOException impossible) {
            throw new UncheckedIOException(impossible);
        }
        return bytes.toByteArray();
    }

    /** Returns the evaluation in {@code bytes}. */
    static Evaluation read(byte[] bytes) {
        try {
            return read(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new UncheckedIOException("a peer's validation share is malformed", e);
        }
    }
}
