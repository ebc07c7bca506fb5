package dev.phalanx.engine.model;

import dev.phalanx.models.ModelSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The file of a {@code torchscript(path=…)} model on any Hadoop file system: checked without
 * reading it (validation, before Spark starts) and read by the workers. Kept apart from {@link
 * TorchScriptFamily} so that only what touches the file needs Hadoop's classes.
 */
final class TorchScriptFile {

    private TorchScriptFile() {}

    /**
     * Returns the file's status.
     *
     * @throws IllegalArgumentException when no path is set, or naming the file when it does not exist,
     *     is a directory, is too large for one array, or its file system cannot be reached
     */
    static FileStatus status(ModelSpec spec) {
        String file = TorchScriptFamily.path(spec);
        String name = TorchScriptFamily.NAME;
        spec.require(!file.isBlank(), "set the TorchScript file: torchscript(path=\"hdfs://…/net.pt\")");
        try {
            Path path = new Path(file);
            FileStatus status = path.getFileSystem(new Configuration()).getFileStatus(path);
            if (status.isDirectory()) {
                throw new IllegalArgumentException("model '" + name + "': " + file + " is a directory; expected the"
                        + " file torch.jit.save wrote");
            }
            if (status.getLen() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("model '" + name + "': " + file + " holds " + status.getLen()
                        + " bytes; modules over 2 GiB are not supported yet");
            }
            return status;
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model '" + name + "': " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("model '" + name + "': " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Reads the whole file; see {@link TorchScriptFamily#read}. */
    static byte[] read(ModelSpec spec) {
        FileStatus status = status(spec);
        try (InputStream in = status.getPath().getFileSystem(new Configuration()).open(status.getPath())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("model '" + TorchScriptFamily.NAME + "': " + TorchScriptFamily.path(spec)
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
