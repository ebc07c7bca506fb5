package dev.phalanx.engine.model;

import ai.djl.nn.Block;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelDefinition;
import dev.phalanx.models.ModelOption;
import dev.phalanx.models.ModelSpec;
import java.util.List;

/**
 * The model family {@code torchscript(path=…)}: a network written in PyTorch and saved as
 * TorchScript, read from any Hadoop file system on every worker and trained as it is, its own
 * parameter values the starting point (see {@link TorchScriptModule}). It is registered with the
 * catalog like the built-in families, so its name and option are known everywhere; the engine
 * loads its modules itself ({@link BlockParameters}), as a TorchScript block belongs to a PyTorch
 * manager from the start and is not built and then initialised like a DJL block. Reading the file
 * is {@link TorchScriptFile}'s job, so the catalog lists this family where Hadoop is not on the
 * class path.
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
        TorchScriptFile.status(spec);
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
        return TorchScriptFile.read(spec);
    }
}
