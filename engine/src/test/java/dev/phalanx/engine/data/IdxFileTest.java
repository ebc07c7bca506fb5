package dev.phalanx.engine.data;

import static dev.phalanx.engine.data.IdxBytes.flipped;
import static dev.phalanx.engine.data.IdxBytes.gzip;
import static dev.phalanx.engine.data.IdxBytes.head;
import static dev.phalanx.engine.data.IdxBytes.idx;
import static dev.phalanx.engine.data.IdxBytes.idxWithMagic;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** IDX files whole and damaged: every damage is one {@link InvalidDataException} naming the file and what was expected. */
class IdxFileTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static String refused(Executable read) {
        return assertThrows(InvalidDataException.class, read).getMessage();
    }

    @Test
    void readsGzippedAndPlainFilesAndChecksThemFromHeaderAndLength() throws IOException {
        byte[] plain = idx(3, 4, 2, 5);
        for (Path file : new Path[] {write("images.gz", gzip(plain)), write("images.idx", plain)}) {
            IdxFile read = IdxFile.read(file, 3);
            assertArrayEquals(new int[] {4, 2, 5}, read.dims());
            assertArrayEquals(Arrays.copyOfRange(plain, 16, plain.length), read.data());
            assertEquals(plain[16 + 39] & 0xff, read.unsigned(39));
            assertArrayEquals(new int[] {4, 2, 5}, IdxFile.check(file, 3));
        }
    }

    @Test
    void aTruncatedGzipFileNamesItWithTheBytesExpectedAndFound() throws IOException {
        byte[] whole = gzip(idx(0, 100, 28, 28));
        Path file = write("train-images-idx3-ubyte.gz", head(whole, whole.length / 2));
        String expected = "data file " + file + " is truncated: expected 78416 bytes (16 header bytes and 100x28x28"
                + " values), got ";
        assertTrue(refused(() -> IdxFile.read(file, 3)).startsWith(expected), refused(() -> IdxFile.read(file, 3)));
        assertTrue(refused(() -> IdxFile.check(file, 3)).startsWith(expected), refused(() -> IdxFile.check(file, 3)));
    }

    @Test
    void aTruncatedPlainFileIsFoundFromItsSize() throws IOException {
        Path file = write("labels.idx", head(idx(0, 500), 108));
        assertEquals("data file " + file + " is truncated: expected 508 bytes (8 header bytes and 500 values), got 108",
                refused(() -> IdxFile.check(file, 1)));
    }

    @Test
    void aFileThatEndsInsideItsHeaderSaysSo() throws IOException {
        Path gz = write("short.gz", gzip(head(idx(0, 5, 28, 28), 6)));
        assertEquals("data file " + gz + " is truncated: it ends after 6 bytes, inside its IDX header",
                refused(() -> IdxFile.check(gz, 3)));
        Path empty = write("empty.gz", new byte[0]);
        assertEquals("data file " + empty + " is truncated: it ends inside its gzip header",
                refused(() -> IdxFile.read(empty, 1)));
    }

    @Test
    void aGzNameOnAPlainFileIsNotGzip() throws IOException {
        Path file = write("labels.gz", idx(0, 10));
        assertEquals("data file " + file + " is not gzip: it starts with bytes 00 00, not gzip's 1f 8b",
                refused(() -> IdxFile.check(file, 1)));
    }

    @Test
    void anotherMagicNumberNamesBothMagics() throws IOException {
        Path labels = write("labels.gz", gzip(idx(0, 10)));
        assertEquals("data file " + labels + " has magic 0x00000801, expected 0x00000803 (IDX: unsigned bytes in 3"
                + " dimensions)", refused(() -> IdxFile.check(labels, 3)));
        Path floats = write("floats.gz", gzip(idxWithMagic(0x0d01, 0, 10)));
        assertEquals("data file " + floats + " has magic 0x00000d01, expected 0x00000801 (IDX: unsigned bytes in 1"
                + " dimension)", refused(() -> IdxFile.read(floats, 1)));
    }

    @Test
    void moreBytesThanTheHeaderDeclaresAreRefused() throws IOException {
        byte[] labels = idx(0, 10);
        byte[] longer = Arrays.copyOf(labels, labels.length + 5);
        Path file = write("labels.gz", gzip(longer));
        assertEquals("data file " + file + " holds more than the 18 bytes its header declares (8 header bytes and 10"
                + " values)", refused(() -> IdxFile.check(file, 1)));
    }

    @Test
    void damageInsideTheGzipDataIsFoundByReadingNotByTheCheck() throws IOException {
        byte[] whole = gzip(idx(0, 50, 28, 28));
        // The CRC is the trailer's first 4 bytes; the length after it still agrees with the header.
        Path file = write("images.gz", flipped(whole, whole.length - 8));
        assertArrayEquals(new int[] {50, 28, 28}, IdxFile.check(file, 3));
        String message = refused(() -> IdxFile.read(file, 3));
        assertTrue(message.startsWith("data file " + file + " is corrupt: its gzip data is damaged ("), message);
    }

    @Test
    void aGzipFileOfSeveralMembersIsReadThroughAndAccepted() throws IOException {
        byte[] plain = idx(0, 300);
        byte[] first = gzip(head(plain, 100));
        byte[] second = gzip(Arrays.copyOfRange(plain, 100, plain.length));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        Path file = write("labels.gz", both);
        assertArrayEquals(new int[] {300}, IdxFile.check(file, 1));
        assertEquals(300, IdxFile.read(file, 1).data().length);
    }
}
