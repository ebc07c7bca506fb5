package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;

/**
 * Reads a TensorBoard event file as TensorFlow's record reader does: TFRecord framing, both masked
 * CRC32C checksums of every record checked, each record parsed by TensorFlow's generated {@link
 * Event} class.
 */
final class TfRecords {

    private TfRecords() {}

    /** Returns the file's events, in order. */
    static List<Event> events(Path file) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        List<Event> events = new ArrayList<>();
        while (in.hasRemaining()) {
            byte[] length = new byte[Long.BYTES];
            in.get(length);
            assertEquals(masked(length), in.getInt(), "length checksum of record " + events.size() + " of " + file);
            byte[] data = new byte[Math.toIntExact(ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getLong())];
            in.get(data);
            assertEquals(masked(data), in.getInt(), "data checksum of record " + events.size() + " of " + file);
            events.add(Event.parseFrom(data));
        }
        return events;
    }

    /** TFRecord's masked CRC32C, as TensorFlow's record writer forms it ({@code crc32c::Mask}). */
    private static int masked(byte[] data) {
        CRC32C crc = new CRC32C();
        crc.update(data);
        return Integer.rotateRight((int) crc.getValue(), 15) + 0xa282ead8;
    }
}
