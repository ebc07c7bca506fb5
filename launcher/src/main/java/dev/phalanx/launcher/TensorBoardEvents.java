package dev.phalanx.launcher;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.phalanx.engine.job.CheckpointWrite;
import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.RankTimings;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32C;

/**
 * The run's scalars as a TensorBoard event file in {@code run_dir/tensorboard}: TFRecord framing
 * (length, masked CRC32C of the length, the record, masked CRC32C of the record) around
 * TensorFlow's {@code Event} messages, each holding a {@code Summary} of simple values, encoded with
 * protobuf's own {@link CodedOutputStream} by field number. Training scalars at every logged step
 * ({@code train/…}, the ranks' timing under {@code time/…}), per epoch ({@code epoch/…}) and per
 * validation ({@code validation/…}). Each attempt of a run writes its own file; TensorBoard reads
 * them all. Point TensorBoard at the folder: {@code tensorboard --logdir RUN_DIR/tensorboard}.
 *
 * <p>TensorBoard files are a view of the run, not its results: a file that cannot be written is one
 * notice on the console and the run goes on without it.
 */
final class TensorBoardEvents implements AutoCloseable {

    /** The folder in the run directory. */
    static final String FOLDER = "tensorboard";

    // Field numbers of tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto.
    private static final int EVENT_WALL_TIME = 1;
    private static final int EVENT_STEP = 2;
    private static final int EVENT_FILE_VERSION = 3;
    private static final int EVENT_SUMMARY = 5;
    private static final int SUMMARY_VALUE = 1;
    private static final int VALUE_TAG = 1;
    private static final int VALUE_SIMPLE_VALUE = 2;
    private static final int MASK_DELTA = 0xa282ead8;

    private final OutputStream out;
    private final Consumer<String> notices;
    /** Set after the first failure; nothing more is written. */
    private boolean failed;

    private TensorBoardEvents(OutputStream out, Consumer<String> notices) {
        this.out = out;
        this.notices = notices;
        write(() -> event(0, 0, null));
    }

    /**
     * Opens a new event file named as TensorBoard expects, {@code events.out.tfevents.<seconds>.<host>}.
     *
     * @param notices told, once, when the events cannot be written
     * @return the events, or null (after a notice) when the file cannot be created
     */
    static TensorBoardEvents open(RunDirectory runDir, String host, Consumer<String> notices) {
        String name = FOLDER + "/events.out.tfevents." + System.currentTimeMillis() / 1000 + "." + host;
        try {
            return new TensorBoardEvents(runDir.create(name), notices);
        } catch (IOException | RuntimeException | LinkageError e) {
            notices.accept("TensorBoard events not written (" + e + ")");
            return null;
        }
    }

    /** Records a logged step's training scalars and the ranks' timing. */
    void step(StepMetrics m) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("train/loss", m.loss());
        values.put("train/samples_per_second", m.samplesPerSecond());
        values.put("train/learning_rate", m.learningRate());
        values.put("train/all_reduce_ms", m.allReduceMillis());
        RankTimings t = m.timings();
        values.put("time/step_p50_ms", t.stepP50Millis());
        values.put("time/step_p99_ms", t.stepP99Millis());
        values.put("time/slowest_rank", (double) t.slowestRank());
        values.put("time/slowest_data_ms", t.slowestDataMillis());
        values.put("time/slowest_compute_ms", t.slowestComputeMillis());
        values.put("time/slowest_wait_ms", t.slowestWaitMillis());
        values.put("time/median_busy_ms", t.medianBusyMillis());
        write(m.step(), values);
        for (CheckpointWrite checkpoint : m.checkpoints()) {
            write(checkpoint.step(), Map.of("checkpoint/write_seconds", checkpoint.seconds(),
                    "checkpoint/pause_seconds", checkpoint.pauseSeconds()));
        }
    }

    /** Records an epoch's loss and accuracy at the epoch's last step. */
    void epoch(EpochMetrics m, long step) {
        Map<String, Double> values = new LinkedHashMap<>();
        values.put("epoch/loss", m.loss());
        if (Double.isFinite(m.accuracy())) {
            values.put("epoch/accuracy", m.accuracy());
        }
        values.put("epoch/samples_per_second", m.samplesPerSecond());
        write(step, values);
    }

    /** Records a validation's metrics. */
    void validation(Validation v) {
        Map<String, Double> values = new LinkedHashMap<>();
        v.evaluation().metrics().forEach((name, value) -> values.put("validation/" + name, value));
        write(v.step(), values);
    }

    private void write(long step, Map<String, Double> values) {
        write(() -> {
            ByteArrayOutputStream summary = new ByteArrayOutputStream();
            CodedOutputStream encoded = CodedOutputStream.newInstance(summary);
            for (Map.Entry<String, Double> entry : values.entrySet()) {
                if (!Double.isFinite(entry.getValue())) {
                    continue;
                }
                ByteArrayOutputStream value = new ByteArrayOutputStream();
                CodedOutputStream v = CodedOutputStream.newInstance(value);
                v.writeString(VALUE_TAG, entry.getKey());
                v.writeFloat(VALUE_SIMPLE_VALUE, entry.getValue().floatValue());
                v.flush();
                encoded.writeBytes(SUMMARY_VALUE, ByteString.copyFrom(value.toByteArray()));
            }
            encoded.flush();
            event(step, System.currentTimeMillis() / 1e3, summary.toByteArray());
        });
    }

    /** One write that may fail. */
    private interface Write {
        void run() throws IOException;
    }

    /** Runs {@code write} unless an earlier one failed; the first failure is a notice, not an error. */
    private void write(Write write) {
        if (failed) {
            return;
        }
        try {
            write.run();
        } catch (IOException | RuntimeException | LinkageError e) {
            failed = true;
            notices.accept("TensorBoard events stopped (" + e + ")");
        }
    }

    /** Writes one event: the file version when {@code summary} is null, else that summary. */
    private void event(long step, double wallTime, byte[] summary) throws IOException {
        ByteArrayOutputStream event = new ByteArrayOutputStream();
        CodedOutputStream e = CodedOutputStream.newInstance(event);
        e.writeDouble(EVENT_WALL_TIME, summary == null ? System.currentTimeMillis() / 1e3 : wallTime);
        e.writeInt64(EVENT_STEP, step);
        if (summary == null) {
            e.writeString(EVENT_FILE_VERSION, "brain.Event:2");
        } else {
            e.writeBytes(EVENT_SUMMARY, ByteString.copyFrom(summary));
        }
        e.flush();
        record(event.toByteArray());
    }

    /** TFRecord framing: length, its masked CRC32C, the data, its masked CRC32C; little-endian. */
    private void record(byte[] data) throws IOException {
        byte[] length = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(data.length).array();
        ByteBuffer frame = ByteBuffer.allocate(Long.BYTES + 2 * Integer.BYTES + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        frame.put(length).putInt(maskedCrc(length)).put(data).putInt(maskedCrc(data));
        out.write(frame.array());
        out.flush();
    }

    /** TFRecord's masked CRC32C: rotated right by 15 bits, plus a constant. */
    static int maskedCrc(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        int value = (int) crc.getValue();
        return ((value >>> 15) | (value << 17)) + MASK_DELTA;
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            notices.accept("TensorBoard events not closed (" + e + ")");
        }
    }
}
