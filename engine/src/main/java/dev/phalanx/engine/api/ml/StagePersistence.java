package dev.phalanx.engine.api.ml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Reads and writes a stage's params in the layout Spark ML's own stages use — one JSON line under
 * {@code <path>/metadata} with {@code class}, {@code uid}, {@code paramMap} and {@code
 * defaultParamMap} — so that {@code Pipeline.load} and {@code PipelineModel.load} find a Phalanx
 * stage by its class name and hand it back to its {@code read()}.
 */
final class StagePersistence {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StagePersistence() {}

    /** Writes {@code stage}'s metadata under {@code path} on whatever Hadoop file system it names. */
    static void saveMetadata(Params stage, String path, SparkSession spark) {
        ObjectNode metadata = JSON.createObjectNode();
        metadata.put("class", stage.getClass().getName());
        metadata.put("timestamp", System.currentTimeMillis());
        metadata.put("sparkVersion", spark.version());
        metadata.put("uid", stage.uid());
        ObjectNode set = metadata.putObject("paramMap");
        ObjectNode defaults = metadata.putObject("defaultParamMap");
        for (Param<?> param : stage.params()) {
            @SuppressWarnings("unchecked")
            Param<Object> p = (Param<Object>) param;
            if (stage.isSet(p)) {
                set.set(p.name(), parse(p.jsonEncode(stage.get(p).get())));
            }
            if (stage.hasDefault(p)) {
                defaults.set(p.name(), parse(p.jsonEncode(stage.getDefault(p).get())));
            }
        }
        Path file = new Path(new Path(path, "metadata"), "part-00000");
        try {
            FileSystem fs = file.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (OutputStream out = fs.create(file, false)) {
                out.write((JSON.writeValueAsString(metadata) + "\n").getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Returns a writer of {@code stage}'s metadata, and of {@code data} too unless it is null (an estimator). */
    static MLWriter writer(Params stage, ModelData data) {
        return new MLWriter() {
            @Override
            public void saveImpl(String path) {
                saveMetadata(stage, path, sparkSession());
                if (data != null) {
                    data.save(path, sparkSession().sparkContext().hadoopConfiguration());
                }
            }
        };
    }

    /**
     * Returns a reader of stages of {@code type} saved by {@link #writer}: {@code blank} makes one
     * from the saved uid and the saved data (null for an estimator), and the saved params are copied in.
     */
    static <S extends Params> MLReader<S> reader(Class<S> type, boolean withData,
            BiFunction<String, ModelData, S> blank) {
        return new MLReader<>() {
            @Override
            public S load(String path) {
                Metadata metadata = loadMetadata(path, sparkSession(), type);
                ModelData data = withData
                        ? ModelData.load(path, sparkSession().sparkContext().hadoopConfiguration()) : null;
                S stage = blank.apply(metadata.uid(), data);
                return type.cast(stage.copy(metadata.paramMap(stage)));
            }
        };
    }

    /** What a stage's metadata says: its uid and the params the user had set. */
    record Metadata(String uid, JsonNode setParams) {

        /** Returns the saved values as a {@link ParamMap} of {@code blank}'s params, ready for {@code copy}. */
        ParamMap paramMap(Params blank) {
            ParamMap map = new ParamMap();
            Iterator<Map.Entry<String, JsonNode>> fields = setParams.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                @SuppressWarnings("unchecked")
                Param<Object> param = (Param<Object>) blank.getParam(field.getKey());
                map.put(param, param.jsonDecode(field.getValue().toString()));
            }
            return map;
        }
    }

    /**
     * Reads the metadata under {@code path}.
     *
     * @throws IllegalArgumentException when the metadata is missing or belongs to another class
     */
    static Metadata loadMetadata(String path, SparkSession spark, Class<?> expected) {
        String metadataPath = new Path(path, "metadata").toString();
        Row line;
        try {
            line = spark.read().text(metadataPath).first();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("no Spark ML stage saved at " + path + ": cannot read "
                    + metadataPath + " (" + e.getMessage() + ")", e);
        }
        JsonNode metadata = parse(line.getString(0));
        String className = metadata.path("class").asText();
        if (!className.equals(expected.getName())) {
            throw new IllegalArgumentException("the stage saved at " + path + " is a " + className
                    + ", not a " + expected.getName());
        }
        return new Metadata(metadata.path("uid").asText(), metadata.path("paramMap"));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + json, e);
        }
    }
}
