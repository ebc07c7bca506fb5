package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.api.options.TrainingKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigLoaderTest {

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("job.conf"), content);
    }

    @Test
    void fileValuesOverrideDefaultsAndSetOverridesFile() throws IOException {
        JobConfig job = JobConfigLoader.load(file("epochs = 5\nmodel = cnn\n"),
                List.of("epochs=7", "learning_rate=0.2", "collective_timeout=30s", "run_dir=hdfs://nn:8020/runs/a",
                        "gradient_compression=bf16"));
        assertEquals(7, job.get(TrainingKeys.EPOCHS));
        assertEquals("bf16", job.get(TrainingKeys.GRADIENT_COMPRESSION));
        assertEquals("cnn", job.model());
        assertEquals(0.2, job.get(TrainingKeys.LEARNING_RATE));
        assertEquals(Duration.ofSeconds(30), job.get(TrainingKeys.COLLECTIVE_TIMEOUT));
        assertEquals("hdfs://nn:8020/runs/a", job.runDir());
        assertEquals(2, job.get(TrainingKeys.WORKERS));
        assertEquals(128, job.get(TrainingKeys.BATCH_SIZE));
        assertEquals("local[2]", job.effectiveMaster());
    }

    @Test
    void tlsSettingsDefaultTheTrustStoreToTheKeyStoreAndPasswordsAreNotRecorded() throws IOException {
        JobConfig job = JobConfigLoader.load(file("tls_key_store = /etc/phalanx/ring.p12\n"),
                List.of("tls_key_store_password=s3cret"));
        assertEquals("/etc/phalanx/ring.p12", job.tls().trustStore());
        assertEquals("s3cret", job.tls().trustStorePassword());
        assertEquals("TLSv1.3", job.tls().protocol());
        assertTrue(job.rendered().contains("<redacted>"), job.rendered());
        assertTrue(!job.rendered().contains("s3cret"), job.rendered());
        assertEquals(null, JobConfigLoader.load(file(""), List.of()).tls());
    }

    @Test
    void listKeysTakeHoconListsOrCommaSeparatedText() throws IOException {
        JobConfig fromFile = JobConfigLoader.load(file("sample_shape = [3, 32, 32]\nimage_mean = [0.5, 0.4, 0.3]\n"),
                List.of());
        assertArrayEquals(new int[] {3, 32, 32}, fromFile.data().sampleShape());
        assertArrayEquals(new double[] {0.5, 0.4, 0.3}, fromFile.data().imageMean());
        JobConfig fromSet = JobConfigLoader.load(file(""), List.of("sample_shape=1,28,28", "image_std=[0.25]"));
        assertArrayEquals(new int[] {1, 28, 28}, fromSet.data().sampleShape());
        assertArrayEquals(new double[] {0.25}, fromSet.data().imageStd());
        assertArrayEquals(new int[0], JobConfigLoader.load(file(""), List.of()).data().sampleShape());
        ConfigError fraction = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file("sample_shape = [1, 2.5]\n"), List.of()));
        assertTrue(fraction.getMessage().startsWith("key 'sample_shape': expected a list of whole numbers"),
                fraction.getMessage());
    }

    @Test
    void everyRegisteredKeyHasAUsableDefault() throws IOException {
        JobConfig job = JobConfigLoader.load(file(""), List.of());
        assertEquals("mlp", job.model());
        assertEquals("", job.runDir());
        assertEquals(Duration.ofMinutes(2), job.get(TrainingKeys.COLLECTIVE_TIMEOUT));
        assertEquals("none", job.get(TrainingKeys.GRADIENT_COMPRESSION));
    }

    @Test
    void unknownKeysSuggestTheNearestKnownKey() throws IOException {
        ConfigError inFile = assertThrows(ConfigError.class, () -> JobConfigLoader.load(file("epoch = 3\n"), List.of()));
        assertEquals("unknown key 'epoch'; did you mean 'epochs'?", inFile.getMessage());
        ConfigError inSet = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file(""), List.of("learning-rate=0.1")));
        assertEquals("unknown key 'learning-rate'; did you mean 'learning_rate'?", inSet.getMessage());
    }

    @Test
    void wrongTypesNameTheKeyWhatWasExpectedAndWhere() throws IOException {
        ConfigError text = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file("workers = two\n"), List.of()));
        assertTrue(text.getMessage().startsWith("key 'workers': expected a whole number, got \"two\""), text.getMessage());
        assertTrue(text.getMessage().contains("job.conf: 1"), text.getMessage());
        ConfigError fraction = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file(""), List.of("epochs=1.5")));
        assertTrue(fraction.getMessage().startsWith("key 'epochs': expected a whole number, got 1.5"), fraction.getMessage());
        ConfigError flag = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file(""), List.of("shuffle=maybe")));
        assertTrue(flag.getMessage().startsWith("key 'shuffle': expected true or false"), flag.getMessage());
    }

    @Test
    void sizesTakeBinaryUnitsAndDefaultTo512MiB() throws IOException {
        assertEquals(512L << 20, JobConfigLoader.load(file(""), List.of()).get(TrainingKeys.SHARD_MEMORY_BUDGET));
        assertEquals(64L << 20, JobConfigLoader.load(file("shard_memory_budget = 64m\n"), List.of()).get(TrainingKeys.SHARD_MEMORY_BUDGET));
        assertEquals(3L << 30, JobConfigLoader.load(file(""), List.of("shard_memory_budget=3g")).get(TrainingKeys.SHARD_MEMORY_BUDGET));
        assertEquals(0, JobConfigLoader.load(file(""), List.of("shard_memory_budget=0")).get(TrainingKeys.SHARD_MEMORY_BUDGET));
        ConfigError bad = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(file(""), List.of("shard_memory_budget=lots")));
        assertTrue(bad.getMessage().startsWith("key 'shard_memory_budget': expected a size such as 64m or 1g, got \"lots\""),
                bad.getMessage());
    }

    @Test
    void missingOrBrokenFilesAreNamed() throws IOException {
        ConfigError missing = assertThrows(ConfigError.class,
                () -> JobConfigLoader.load(dir.resolve("nope.conf"), List.of()));
        assertEquals("config file not found: " + dir.resolve("nope.conf"), missing.getMessage());
        ConfigError broken = assertThrows(ConfigError.class, () -> JobConfigLoader.load(file("epochs = {"), List.of()));
        assertTrue(broken.getMessage().startsWith("cannot parse " + dir.resolve("job.conf")), broken.getMessage());
        ConfigError malformed = assertThrows(ConfigError.class, () -> JobConfigLoader.load(file(""), List.of("epochs")));
        assertEquals("--set expects key=value, got 'epochs'", malformed.getMessage());
    }
}
