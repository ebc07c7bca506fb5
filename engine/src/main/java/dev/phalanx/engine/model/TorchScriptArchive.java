package dev.phalanx.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The zip archive that {@code torch.jit.save} writes, read from its central directory: which entries
 * it holds and the bytes of its tensor data. It tells a TorchScript file from what only looks like one
 * before PyTorch sees it, so that a truncated file, a {@code torch.save} state dict (also a zip
 * archive, without code) or a legacy pickle is named as such rather than by PyTorch's reader error;
 * and it lets {@link TorchScriptProbe} see whether a forward pass changed any tensor of a module
 * (DJL reaches a module's parameters but not its buffers).
 */
final class TorchScriptArchive {

    private static final int LOCAL_HEADER = 0x04034b50;
    private static final int CENTRAL_HEADER = 0x02014b50;
    private static final int END_RECORD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_END_RECORD = 0x06064b50;
    private static final long UNSET32 = 0xFFFFFFFFL;
    /** The first byte of a pickle of protocol 2 or later: {@code torch.save}'s legacy format. */
    private static final byte PICKLE_PROTOCOL = (byte) 0x80;
    /** A tensor's storage, {@code <root>/data/<key>}; not {@code data.pkl}, not {@code .data/…}. */
    private static final Pattern TENSOR_DATA = Pattern.compile("[^/]+/data/[^/]+");

    private final String name;
    private final ByteBuffer bytes;
    /** Entry name → offset of its local header, in central-directory order. */
    private final Map<String, Long> localHeaders = new LinkedHashMap<>();
    private final Map<String, Long> compressedSizes = new LinkedHashMap<>();

    private TorchScriptArchive(String name, byte[] bytes) {
        this.name = name;
        this.bytes = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Reads the archive's directory and checks that it holds TorchScript code.
     *
     * @param name what the bytes are called in errors (the file's path or URI)
     * @throws IllegalArgumentException naming {@code name} if the bytes are not a zip archive, are
     *     cut short, or are a zip archive without TorchScript code (a {@code torch.save} file)
     */
    static TorchScriptArchive read(String name, byte[] bytes) {
        TorchScriptArchive archive = new TorchScriptArchive(name, bytes);
        archive.readDirectory();
        archive.requireCode();
        return archive;
    }

    /** Returns the entries' names in directory order. */
    List<String> entryNames() {
        return new ArrayList<>(localHeaders.keySet());
    }

    /** Returns each tensor-data entry's name and stored bytes (a zip stores PyTorch's tensors uncompressed). */
    Map<String, ByteBuffer> tensorData() {
        Map<String, ByteBuffer> data = new LinkedHashMap<>();
        for (Map.Entry<String, Long> entry : localHeaders.entrySet()) {
            if (TENSOR_DATA.matcher(entry.getKey()).matches()) {
                data.put(entry.getKey(), storedBytes(entry.getKey(), entry.getValue()));
            }
        }
        return data;
    }

    private void readDirectory() {
        int length = bytes.capacity();
        if (length < 4 || bytes.getInt(0) != LOCAL_HEADER) {
            if (length > 0 && bytes.get(0) == PICKLE_PROTOCOL) {
                throw bad("is a legacy torch.save pickle, not TorchScript; expected a file written by "
                        + "torch.jit.save (torch.jit.script(model).save(path))");
            }
            throw bad("is not a TorchScript file; expected the zip archive torch.jit.save writes");
        }
        int end = findEndRecord();
        if (end < 0) {
            throw bad("is truncated or damaged: the zip archive has no end record ("
                    + length + " bytes read); expected a whole file written by torch.jit.save");
        }
        long entries = Short.toUnsignedLong(bytes.getShort(end + 10));
        long directorySize = Integer.toUnsignedLong(bytes.getInt(end + 12));
        long directoryOffset = Integer.toUnsignedLong(bytes.getInt(end + 16));
        if (entries == 0xFFFF || directorySize == UNSET32 || directoryOffset == UNSET32) {
            int locator = end - 20;
            check(locator >= 0 && bytes.getInt(locator) == ZIP64_LOCATOR, "no zip64 end-record locator");
            int record = position(bytes.getLong(locator + 8), 56);
            check(bytes.getInt(record) == ZIP64_END_RECORD, "no zip64 end record");
            entries = bytes.getLong(record + 32);
            directorySize = bytes.getLong(record + 40);
            directoryOffset = bytes.getLong(record + 48);
        }
        int at = position(directoryOffset, directorySize);
        for (long i = 0; i < entries; i++) {
            check(at + 46 <= length && bytes.getInt(at) == CENTRAL_HEADER, "a damaged central directory");
            long compressed = Integer.toUnsignedLong(bytes.getInt(at + 20));
            long uncompressed = Integer.toUnsignedLong(bytes.getInt(at + 24));
            int nameLength = Short.toUnsignedInt(bytes.getShort(at + 28));
            int extraLength = Short.toUnsignedInt(bytes.getShort(at + 30));
            int commentLength = Short.toUnsignedInt(bytes.getShort(at + 32));
            long offset = Integer.toUnsignedLong(bytes.getInt(at + 42));
            check(at + 46L + nameLength + extraLength + commentLength <= length, "a damaged central directory");
            String entryName = new String(bytes.array(), at + 46, nameLength, StandardCharsets.UTF_8);
            // Zip64: the values that did not fit in 32 bits follow in this order in extra field 0x0001.
            int extra = at + 46 + nameLength;
            int extraEnd = extra + extraLength;
            while (extra + 4 <= extraEnd) {
                int id = Short.toUnsignedInt(bytes.getShort(extra));
                int size = Short.toUnsignedInt(bytes.getShort(extra + 2));
                if (id == 0x0001) {
                    int value = extra + 4;
                    if (uncompressed == UNSET32) {
                        value += 8;
                    }
                    if (compressed == UNSET32) {
                        compressed = bytes.getLong(value);
                        value += 8;
                    }
                    if (offset == UNSET32) {
                        offset = bytes.getLong(value);
                    }
                }
                extra += 4 + size;
            }
            localHeaders.put(entryName, offset);
            compressedSizes.put(entryName, compressed);
            at = extraEnd + commentLength;
        }
    }

    /** Returns the end record's position, searching back over a possible archive comment; -1 if none. */
    private int findEndRecord() {
        int last = bytes.capacity() - 22;
        int first = Math.max(0, last - 0xFFFF);
        for (int at = last; at >= first; at--) {
            if (bytes.getInt(at) == END_RECORD) {
                return at;
            }
        }
        return -1;
    }

    private void requireCode() {
        boolean code = false;
        boolean pickle = false;
        for (String entry : localHeaders.keySet()) {
            int slash = entry.indexOf('/');
            String inRoot = slash < 0 ? entry : entry.substring(slash + 1);
            code |= inRoot.startsWith("code/");
            pickle |= inRoot.equals("data.pkl");
        }
        if (!code && pickle) {
            throw bad("is a torch.save file (a pickled object without TorchScript code); expected a module "
                    + "saved by torch.jit.save (torch.jit.script(model).save(path) or torch.jit.trace)");
        }
        if (!code) {
            throw bad("is a zip archive without TorchScript code; expected a file written by torch.jit.save");
        }
    }

    private ByteBuffer storedBytes(String entry, long localHeader) {
        int at = position(localHeader, 30);
        check(bytes.getInt(at) == LOCAL_HEADER, "a damaged local header for " + entry);
        int nameLength = Short.toUnsignedInt(bytes.getShort(at + 26));
        int extraLength = Short.toUnsignedInt(bytes.getShort(at + 28));
        int start = position(at + 30L + nameLength + extraLength, compressedSizes.get(entry));
        return bytes.slice(start, Math.toIntExact(compressedSizes.get(entry)));
    }

    /** Returns {@code offset} as a position with {@code size} bytes after it inside the archive. */
    private int position(long offset, long size) {
        check(offset >= 0 && size >= 0 && offset + size <= bytes.capacity(), "an offset past the end of the file");
        return (int) offset;
    }

    private void check(boolean condition, String problem) {
        if (!condition) {
            throw bad("is truncated or damaged: " + problem + "; expected a whole file written by torch.jit.save");
        }
    }

    private IllegalArgumentException bad(String problem) {
        return new IllegalArgumentException(name + " " + problem);
    }
}
