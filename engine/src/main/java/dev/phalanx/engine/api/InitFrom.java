package dev.phalanx.engine.api;

import ai.djl.ndarray.types.Shape;
import dev.phalanx.engine.checkpoint.CheckpointInfo;
import dev.phalanx.engine.checkpoint.CheckpointStore;
import dev.phalanx.engine.checkpoint.TrainingState;
import dev.phalanx.engine.model.ParameterLayout;
import dev.phalanx.engine.model.PretrainedParameters;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads {@code init_from} on the driver: the parameter values a fine-tuning run starts from, from a
 * Phalanx checkpoint or run directory, a DJL {@code .params} file or a TorchScript file on any
 * Hadoop file system, checked parameter by parameter against the model's shapes.
 */
final class InitFrom {

    private static final Pattern SHAPE = Pattern.compile("\\(([^)]*)\\)");
    private static final Pattern DJL_FILE = Pattern.compile("(.+)-(\\d{4})\\.params");
    private static final int MISMATCHES_SHOWN = 5;

    private InitFrom() {}

    /**
     * Returns the values in the model's flat order.
     *
     * @throws IllegalArgumentException naming {@code init_from}, the source and what does not fit:
     *     each parameter whose shape differs, a source that does not exist or holds no parameters
     */
    static float[] read(String source, ModelSpec model, InputSpec input, ParameterLayout target, Configuration conf) {
        Path path = new Path(source);
        try {
            FileSystem fs = path.getFileSystem(conf);
            if (!fs.exists(path)) {
                throw new IllegalArgumentException("init_from: " + source + " does not exist");
            }
            if (fs.getFileStatus(path).isDirectory()) {
                return fromDirectory(fs, path, source, model, input, target, conf);
            }
            return fromFile(fs, path, source, model, input, target);
        } catch (IOException e) {
            throw new IllegalArgumentException("init_from: " + source + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static float[] fromDirectory(FileSystem fs, Path dir, String source, ModelSpec model, InputSpec input,
            ParameterLayout target, Configuration conf) throws IOException {
        for (Path candidate : List.of(dir, new Path(dir, "checkpoints"))) {
            if (fs.isDirectory(candidate)) {
                CheckpointStore store = new CheckpointStore(candidate.toString(), conf, Integer.MAX_VALUE);
                Optional<CheckpointInfo> newest = store.newestValid();
                if (newest.isPresent()) {
                    TrainingState state = store.load(newest.get().uri());
                    List<Shape> shapes = parseShapes(state.identity().parameterShapes());
                    requireShapes(source + " (checkpoint " + newest.get().name() + ")", model, target,
                            new ParameterLayout(target.names().size() == shapes.size() ? target.names()
                                    : numbered(shapes.size()), shapes));
                    return state.parameters();
                }
            }
        }
        Path models = new Path(dir, "model");
        if (fs.isDirectory(models)) {
            for (FileStatus file : fs.listStatus(models)) {
                String name = file.getPath().getName();
                if (name.endsWith(".params") || name.endsWith(".pt")) {
                    return fromFile(fs, file.getPath(), file.getPath().toString(), model, input, target);
                }
            }
        }
        throw new IllegalArgumentException("init_from: " + source + " holds no checkpoint (ckpt-… or checkpoints/)"
                + " and no saved model (model/*.params or model/*.pt)");
    }

    private static float[] fromFile(FileSystem fs, Path file, String source, ModelSpec model, InputSpec input,
            ParameterLayout target) throws IOException {
        Matcher djl = DJL_FILE.matcher(file.getName());
        if (djl.matches()) {
            java.nio.file.Path local = Files.createTempDirectory("phalanx-init-from");
            try {
                fs.copyToLocalFile(file, new Path(local.resolve(file.getName()).toUri()));
                return PretrainedParameters.fromDjl(source, model, input, local, djl.group(1));
            } finally {
                try (var files = Files.list(local)) {
                    for (java.nio.file.Path each : (Iterable<java.nio.file.Path>) files::iterator) {
                        Files.delete(each);
                    }
                }
                Files.delete(local);
            }
        }
        byte[] bytes;
        try (InputStream in = fs.open(file)) {
            bytes = in.readAllBytes();
        }
        if (bytes.length < 2 || bytes[0] != 'P' || bytes[1] != 'K') {
            throw new IllegalArgumentException("init_from: " + source + " is neither a DJL .params file"
                    + " (<name>-0000.params) nor a TorchScript file");
        }
        PretrainedParameters.Values values = PretrainedParameters.fromTorchScript(source, bytes);
        return inTargetOrder(source, model, target, values);
    }

    /** A TorchScript module's values in the model's order: by name when the names are the same set, else by position. */
    private static float[] inTargetOrder(String source, ModelSpec model, ParameterLayout target,
            PretrainedParameters.Values values) {
        ParameterLayout layout = values.layout();
        if (!layout.names().equals(target.names()) && layout.names().size() == target.names().size()
                && layout.names().containsAll(target.names())) {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < layout.names().size(); i++) {
                index.put(layout.names().get(i), i);
            }
            long[] offsets = offsets(layout);
            List<Shape> shapes = new ArrayList<>();
            float[] ordered = new float[values.values().length];
            int at = 0;
            for (String name : target.names()) {
                int i = index.get(name);
                shapes.add(layout.shapes().get(i));
                int size = Math.toIntExact(layout.shapes().get(i).size());
                System.arraycopy(values.values(), Math.toIntExact(offsets[i]), ordered, at, size);
                at += size;
            }
            requireShapes(source, model, target, new ParameterLayout(target.names(), shapes));
            return ordered;
        }
        requireShapes(source, model, target, layout);
        return values.values();
    }

    private static long[] offsets(ParameterLayout layout) {
        long[] offsets = new long[layout.shapes().size()];
        long offset = 0;
        for (int i = 0; i < offsets.length; i++) {
            offsets[i] = offset;
            offset += layout.shapes().get(i).size();
        }
        return offsets;
    }

    /** Refuses a source whose parameters do not have the model's shapes, naming each that differs. */
    private static void requireShapes(String source, ModelSpec model, ParameterLayout target, ParameterLayout found) {
        if (found.shapes().size() != target.shapes().size()) {
            throw new IllegalArgumentException("init_from: " + source + " holds " + found.shapes().size()
                    + " parameters, model '" + model.name() + "' has " + target.shapes().size() + " (" 
                    + String.join(", ", target.names()) + ")");
        }
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < target.shapes().size(); i++) {
            if (!target.shapes().get(i).equals(found.shapes().get(i))) {
                String theirs = found.names().get(i).equals(target.names().get(i)) ? ""
                        : " (" + found.names().get(i) + " there)";
                mismatches.add(target.names().get(i) + theirs + " is " + found.shapes().get(i) + " there, "
                        + target.shapes().get(i) + " here");
            }
        }
        if (!mismatches.isEmpty()) {
            int shown = Math.min(MISMATCHES_SHOWN, mismatches.size());
            throw new IllegalArgumentException("init_from: " + source + " does not fit model '" + model.name() + "': "
                    + mismatches.size() + " parameter(s) differ in shape: " + String.join("; ", mismatches.subList(0, shown))
                    + (shown < mismatches.size() ? "; …" : ""));
        }
    }

    private static List<Shape> parseShapes(String text) {
        List<Shape> shapes = new ArrayList<>();
        Matcher matcher = SHAPE.matcher(text);
        while (matcher.find()) {
            String inside = matcher.group(1).trim();
            shapes.add(inside.isEmpty() ? new Shape()
                    : new Shape(Arrays.stream(inside.split(",")).mapToLong(d -> Long.parseLong(d.trim())).toArray()));
        }
        return shapes;
    }

    private static List<String> numbered(int count) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add("parameter " + i);
        }
        return names;
    }
}
