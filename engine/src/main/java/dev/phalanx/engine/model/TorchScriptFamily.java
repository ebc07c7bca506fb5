package dev.phalanx.engine.model;

import ai.djl.nn.Block;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelDefinition;
import dev.phalanx.models.ModelOption;
import dev.phalanx.models.ModelSpec;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The model family {@code torchscript(path=…)}: a network written in PyTorch and saved as
 * TorchScript, read from any Hadoop file system on every worker and trained as it is, its own
 * parameter values the starting point (see {@link TorchScriptModule}). It is registered with the
 * catalog like the built-in families, so its name and option are known everywhere; the engine
 * loads its modules itself ({@link BlockParameters}), as a TorchScript block belongs to a PyTorch
 * manager from the start and is not built and then initialised like a DJL block.
 */
public final class TorchScriptFamily implements ModelDefinition {

    /** The family's name. */
    public static final String NAME = "torchscript";
    /** The option naming the file. */
    public static final String PATH = "path";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "a PyTorch network saved by torch.jit.save, from any Hadoop URI; trained from its own values";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(ModelOption.text(PATH, "", "the TorchScript file: a local path or any Hadoop URI (hdfs://…)"));
    }

    /**
     * Refuses: the engine loads TorchScript modules with a PyTorch manager ({@link
     * BlockParameters}); {@link #check} is what validation calls.
     */
    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        throw new IllegalStateException("model '" + NAME + "': its modules are loaded by Phalanx's engine, which needs"
                + " a PyTorch manager for them; use a TrainingOptions or the phalanx command to train it");
    }

    /** Whether {@code spec} names this family. */
    public static boolean is(ModelSpec spec) {
        return NAME.equals(spec.name());
    }

    /**
     * Checks the spec names a file that exists, without reading it (validation runs before Spark
     * starts, and reading is the workers' job).
     *
     * @throws IllegalArgumentException when no path is set, or naming the file when it does not exist,
     *     is a directory, is too large for one array, or its file system cannot be reached
     */
    public static void check(ModelSpec spec) {
        status(spec);
    }

    private static FileStatus status(ModelSpec spec) {
        String file = path(spec);
        spec.require(!file.isBlank(), "set the TorchScript file: torchscript(path=\"hdfs://…/net.pt\")");
        try {
            Path path = new Path(file);
            FileStatus status = path.getFileSystem(new Configuration()).getFileStatus(path);
            if (status.isDirectory()) {
                throw new IllegalArgumentException("model '" + NAME + "': " + file + " is a directory; expected the"
                        + " file torch.jit.save wrote");
            }
            if (status.getLen() > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("model '" + NAME + "': " + file + " holds " + status.getLen()
                        + " bytes; modules over 2 GiB are not supported yet");
            }
            return status;
        } catch (FileNotFoundException e) {
            throw new IllegalArgumentException("model '" + NAME + "': " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("model '" + NAME + "': " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static String path(ModelSpec spec) {
        return spec.stringValue(PATH).trim();
    }

    /**
     * Reads the spec's file from its file system.
     *
     * @throws IllegalArgumentException naming the file when it does not exist, is a directory, is too
     *     large for one array, or cannot be read
     */
    static byte[] read(ModelSpec spec) {
        FileStatus status = status(spec);
        try (InputStream in = status.getPath().getFileSystem(new Configuration()).open(status.getPath())) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalArgumentException("model '" + NAME + "': " + path(spec) + " cannot be read: "
                    + e.getMessage(), e);
        }
    }
}
