package dev.phalanx.engine.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameter values saved elsewhere, read for {@code init_from}: a DJL {@code .params} file of this
 * model (what a Phalanx run saves in {@code run_dir/model}), or the parameters of a TorchScript file,
 * by their names and shapes, whatever network it is.
 */
public final class PretrainedParameters {

    private PretrainedParameters() {}

    /**
     * Named parameter values in flat order.
     *
     * @param layout every parameter's name and shape
     * @param values the values, flat
     */
    public record Values(ParameterLayout layout, float[] values) {}

    /**
     * Loads a DJL {@code .params} file into the model and returns its values in flat order.
     *
     * @param dir the local folder holding the file
     * @param prefix the file's name before {@code -0000.params}
     * @throws IllegalArgumentException naming {@code source} when DJL cannot load it into this model
     */
    public static float[] fromDjl(String source, ModelSpec model, InputSpec input, Path dir, String prefix) {
        try (BlockParameters built = BlockParameters.build(model, input, Device.cpu());
                Model holder = Model.newInstance(prefix, Device.cpu(), "PyTorch")) {
            if (built.isTorchScript()) {
                throw new IllegalArgumentException("init_from: " + source + " is a DJL .params file; a torchscript model"
                        + " starts from a TorchScript file");
            }
            holder.setBlock(built.block());
            holder.load(dir, prefix);
            float[] values = new float[built.count()];
            int offset = 0;
            for (Pair<String, Parameter> parameter : built.block().getParameters()) {
                float[] own = parameter.getValue().getArray().toFloatArray();
                System.arraycopy(own, 0, values, offset, own.length);
                offset += own.length;
            }
            return values;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            if (e instanceof IllegalArgumentException && String.valueOf(e.getMessage()).startsWith("init_from")) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalArgumentException("init_from: " + source + " does not load into model '" + model.name()
                    + "': " + e.getMessage(), e);
        }
    }

    /**
     * Reads the parameters of a TorchScript file (any module: its head need not fit this run's classes).
     *
     * @throws IllegalArgumentException naming {@code source} when it is not TorchScript PyTorch can load
     */
    public static Values fromTorchScript(String source, byte[] bytes) {
        TorchScriptArchive.read(source, bytes);
        try (NDManager manager = PyTorchEngine.get().newBaseManager(Device.cpu())) {
            long handle = JniUtils.loadModuleHandle(new ByteArrayInputStream(bytes), Device.cpu(), true, false);
            PtSymbolBlock block = new PtSymbolBlock((PtNDManager) manager, handle);
            List<String> names = new ArrayList<>();
            List<Shape> shapes = new ArrayList<>();
            List<float[]> arrays = new ArrayList<>();
            long count = 0;
            for (Pair<String, Parameter> parameter : block.getDirectParameters()) {
                NDArray array = parameter.getValue().getArray();
                names.add(parameter.getKey());
                shapes.add(array.getShape());
                arrays.add(array.toType(DataType.FLOAT32, false).toFloatArray());
                count += array.size();
            }
            float[] values = new float[Math.toIntExact(count)];
            int offset = 0;
            for (float[] array : arrays) {
                System.arraycopy(array, 0, values, offset, array.length);
                offset += array.length;
            }
            return new Values(new ParameterLayout(names, shapes), values);
        } catch (EngineException | IOException e) {
            throw new IllegalArgumentException("init_from: " + source + " could not be loaded by PyTorch ("
                    + TorchScriptProbe.reason(e) + "); expected a module saved by torch.jit.save", e);
        }
    }
}
