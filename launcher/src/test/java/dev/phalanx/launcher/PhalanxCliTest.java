package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.checkpoint.DirectoryLease;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's exit codes and one-line errors for bad input (config, data files, master);
 * none of these runs a training job.
 */
class PhalanxCliTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return PhalanxCli.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String errors() {
        return err.toString(StandardCharsets.UTF_8).trim();
    }

    private Path config(String content) throws IOException {
        return Files.writeString(dir.resolve("job.conf"), content);
    }

    @Test
    void aBadKeyIsOneLineNamingItWithExitCode2() throws IOException {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("workerz = 2\n").toString()));
        assertEquals("phalanx: error: unknown key 'workerz'; did you mean 'workers'?", errors());
    }

    @Test
    void anInvalidValueIsNamedByItsKey() throws IOException {
        assertEquals(ExitCodes.BAD_CONFIG,
                run("train", "--config", config("").toString(), "--set", "batch_size=129"));
        assertEquals("phalanx: error: batch_size (129) must be a multiple of workers (2) so every worker takes"
                + " an equal share", errors());
    }

    @Test
    void aWrongTypeIsOneLineNamingKeyAndFileWithExitCode2() throws IOException {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("epochs = many\n").toString()));
        assertTrue(errors().startsWith("phalanx: error: key 'epochs': expected a whole number, got \"many\""), errors());
        assertTrue(errors().contains("job.conf: 1"), errors());
        assertEquals(1, errors().lines().count(), errors());
    }

    @Test
    void aMissingConfigFileExitsWith2() {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", dir.resolve("absent.conf").toString()));
        assertTrue(errors().startsWith("phalanx: error: config file not found: "), errors());
    }

    @Test
    void rerunningAFinishedRunDoesNothingAndSucceeds() throws IOException {
        Path previous = Files.createDirectories(dir.resolve("previous-run"));
        Files.writeString(previous.resolve("job.conf"), "model = mlp\n");
        Path summary = Files.writeString(previous.resolve("summary.json"), "{\"test_accuracy\": 0.9}");
        Files.writeString(previous.resolve("_SUCCESS"), "");
        int code = run("train", "--config", config("").toString(), "--set", "run_dir=" + previous);
        assertEquals(ExitCodes.OK, code, errors());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("holds a finished run (_SUCCESS) with these settings;"
                + " nothing to do"));
        assertEquals("{\"test_accuracy\": 0.9}", Files.readString(summary));
        try (var files = Files.list(previous)) {
            assertEquals(3, files.count());
        }
    }

    @Test
    void aFinishedRunAskedForOtherSettingsIsRefusedNamingThemAndLeftAlone() throws IOException {
        Path previous = Files.createDirectories(dir.resolve("finished"));
        Files.writeString(previous.resolve("job.conf"), "model = mlp\nepochs = 3\nseed = 42\n");
        Files.writeString(previous.resolve("_SUCCESS"), "");
        int code = run("train", "--config", config("").toString(), "--set", "run_dir=" + previous,
                "--set", "epochs=5", "--set", "seed=42");
        assertEquals(ExitCodes.BAD_CONFIG, code, errors());
        assertTrue(errors().endsWith("holds a finished run with other settings (epochs 3 -> 5); use a new run_dir,"
                + " or --force to train afresh (the finished run is moved aside)"), errors());
        assertEquals("model = mlp\nepochs = 3\nseed = 42\n", Files.readString(previous.resolve("job.conf")));
        try (var files = Files.list(previous)) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void aMasterThatIsNotASparkUrlIsNamedWithExitCode2AndRecordsNoRun() throws IOException {
        Path runDir = dir.resolve("bad-master");
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("").toString(), "--set", "master=foo",
                "--set", "run_dir=" + runDir));
        assertTrue(errors().startsWith("phalanx: error: master 'foo' is not a Spark master URL"), errors());
        assertTrue(Files.notExists(runDir.resolve("job.conf")), "a job that never started must not look unfinished");
    }

    @Test
    void aMissingKeyStoreInLocalModeIsNamedBeforeSparkStarts() throws IOException {
        Path runDir = dir.resolve("tls-run");
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("").toString(),
                "--set", "tls_key_store=" + dir.resolve("absent.p12"), "--set", "tls_key_store_password=x",
                "--set", "run_dir=" + runDir));
        assertEquals("phalanx: error: key 'tls_key_store': cannot read the key store '" + dir.resolve("absent.p12")
                + "'", errors());
        assertTrue(Files.notExists(runDir));
    }

    @Test
    void aRunDirectoryThatIsAFileIsRefusedByTheCheckpointsCommand() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-run"), "x");
        assertEquals(ExitCodes.BAD_CONFIG, run("checkpoints", file.toString()));
        assertTrue(errors().endsWith("is a file, not a directory"), errors());
    }

    @Test
    void aZeroDimensionInSampleShapeIsNamedByItsKey() throws IOException {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("").toString(), "--set", "dataset=parquet",
                "--set", "data_dir=" + dir, "--set", "sample_shape=0", "--set", "run_dir=" + dir.resolve("r")));
        assertTrue(errors().startsWith("phalanx: error: key 'sample_shape': "), errors());
    }

    @Test
    void anUnwritableRunDirectoryIsNamedWithExitCode2() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        assertEquals(ExitCodes.BAD_CONFIG,
                run("train", "--config", config("").toString(), "--set", "run_dir=" + file.resolve("run")));
        assertTrue(errors().startsWith("phalanx: error: run_dir '"), errors());
        assertEquals("not a directory", Files.readString(file));
    }

    @Test
    void moreWorkersThanTheMasterHasSlotsIsNamedWithExitCode2() throws IOException {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("").toString(), "--set", "master=local[2]",
                "--set", "workers=3", "--set", "batch_size=126", "--set", "slot_wait_timeout=0s",
                "--set", "run_dir=" + dir.resolve("slots")));
        assertTrue(errors().startsWith("phalanx: error: workers = 3 but Spark master 'local[2]' offers 2 concurrent"
                + " task slots"), errors());
    }

    @Test
    void aFolderOfOtherFilesIsRefused() throws IOException {
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", config("").toString(), "--set", "run_dir=" + other));
        assertTrue(errors().contains("already holds files that are not a Phalanx run"), errors());
        assertEquals("meow", Files.readString(other.resolve("cat.jpg")));
    }

    @Test
    void aMissingDataDirectoryExitsWith3BeforeCreatingTheRunDirectory() throws IOException {
        Path runDir = dir.resolve("new-run");
        int code = run("train", "--config", config("").toString(),
                "--set", "data_dir=" + dir.resolve("no-data"), "--set", "run_dir=" + runDir);
        assertEquals(ExitCodes.BAD_DATA, code);
        assertTrue(errors().startsWith("phalanx: data error: data_dir '" + dir.resolve("no-data") + "' not found"),
                errors());
        assertTrue(Files.notExists(runDir));
    }

    /** Runs the README's job on a small Fashion-MNIST in {@code data}, asserting exit code 3 and one line naming {@code file}. */
    private String refusedData(Path data, String file) throws IOException {
        Path runDir = dir.resolve("run-" + file);
        int code = run("train", "--config", config("").toString(), "--set", "data_dir=" + data,
                "--set", "run_dir=" + runDir);
        assertEquals(ExitCodes.BAD_DATA, code, errors());
        assertEquals(1, errors().lines().count(), errors());
        assertTrue(errors().startsWith("phalanx: error: data file " + data.resolve(file) + " "), errors());
        return errors();
    }

    @Test
    void aTruncatedImagesFileExitsWith3NamingItBeforeSparkStarts() throws IOException {
        Path data = SmallFashionMnist.write(dir.resolve("truncated"), 60, 20);
        Path images = data.resolve(SmallFashionMnist.TRAIN_IMAGES);
        byte[] whole = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(whole, whole.length / 2));
        String error = refusedData(data, SmallFashionMnist.TRAIN_IMAGES);
        assertTrue(error.contains(" is truncated: expected 47056 bytes (16 header bytes and 60x28x28 values), got "),
                error);
        assertTrue(Files.notExists(dir.resolve("run-" + SmallFashionMnist.TRAIN_IMAGES)), "checked before Spark starts");
    }

    @Test
    void anImagesFileThatIsNotGzipExitsWith3() throws IOException {
        Path data = SmallFashionMnist.write(dir.resolve("plain"), 60, 20);
        Files.write(data.resolve(SmallFashionMnist.TEST_IMAGES), SmallFashionMnist.images(20));
        assertTrue(refusedData(data, SmallFashionMnist.TEST_IMAGES).endsWith(" is not gzip: it starts with bytes 00 00,"
                + " not gzip's 1f 8b"), errors());
    }

    @Test
    void aLabelsFileInPlaceOfTheImagesExitsWith3NamingBothMagics() throws IOException {
        Path data = SmallFashionMnist.write(dir.resolve("magic"), 60, 20);
        Files.copy(data.resolve(SmallFashionMnist.TRAIN_LABELS), data.resolve(SmallFashionMnist.TRAIN_IMAGES),
                StandardCopyOption.REPLACE_EXISTING);
        assertTrue(refusedData(data, SmallFashionMnist.TRAIN_IMAGES).endsWith(" has magic 0x00000801, expected"
                + " 0x00000803 (IDX: unsigned bytes in 3 dimensions)"), errors());
    }

    @Test
    void imagesAndLabelsOfDifferentCountsExitWith3NamingBothFiles() throws IOException {
        Path data = SmallFashionMnist.write(dir.resolve("counts"), 60, 20);
        Files.copy(data.resolve(SmallFashionMnist.TEST_LABELS), data.resolve(SmallFashionMnist.TRAIN_LABELS),
                StandardCopyOption.REPLACE_EXISTING);
        assertTrue(refusedData(data, SmallFashionMnist.TRAIN_IMAGES).endsWith(" holds 60 images but "
                + data.resolve(SmallFashionMnist.TRAIN_LABELS) + " holds 20 labels"), errors());
    }

    @Test
    void aFileOnlyTheExecutorsFindDamagedExitsWith3NamingIt() throws IOException {
        Path data = SmallFashionMnist.write(dir.resolve("damaged"), 60, 20);
        Path images = data.resolve(SmallFashionMnist.TRAIN_IMAGES);
        byte[] damaged = Files.readAllBytes(images);
        // The CRC in the gzip trailer: the length after it still agrees, so only reading the pixels finds it.
        damaged[damaged.length - 8] ^= (byte) 0xff;
        Files.write(images, damaged);
        assertTrue(refusedData(data, SmallFashionMnist.TRAIN_IMAGES).contains(" is corrupt: its gzip data is damaged"),
                errors());
    }

    @Test
    void aMasterNothingListensAtExitsWith2NamingItWithinTheSlotWait() throws IOException {
        Path runDir = dir.resolve("unreachable");
        long start = System.nanoTime();
        int code = run("train", "--config", config("").toString(), "--set", "master=spark://127.0.0.1:1",
                "--set", "slot_wait_timeout=5s", "--set", "run_dir=" + runDir);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(ExitCodes.BAD_CONFIG, code, errors());
        assertEquals("phalanx: error: master 'spark://127.0.0.1:1' cannot be reached: 127.0.0.1:1 refused the connection"
                + " (nothing listens there); start the Spark master, or set master to the URL of one that runs", errors());
        assertTrue(seconds < 30, "took " + seconds + " s");
        assertTrue(Files.notExists(runDir.resolve("job.conf")), "a job that never started must not look unfinished");
    }

    @Test
    void anUnknownOptionIsAOneLineUsageError() {
        assertEquals(ExitCodes.BAD_CONFIG, run("train", "--config", "x.conf", "--bogus"));
        assertEquals("phalanx: usage error: Unknown option: '--bogus' (see: phalanx train --help)", errors());
    }

    @Test
    void anUnknownCommandPointsToTheToolsHelp() {
        assertEquals(ExitCodes.BAD_CONFIG, run("tran"));
        assertTrue(errors().endsWith("(see: phalanx --help)"), errors());
    }

    private Path finishedRun(String name) throws IOException {
        Path run = Files.createDirectories(dir.resolve(name));
        Files.writeString(run.resolve("job.conf"), "model = mlp\n");
        Files.writeString(run.resolve("summary.json"), "{\"test_accuracy\": 0.9}");
        Files.writeString(run.resolve("_SUCCESS"), "");
        return run;
    }

    private static org.apache.hadoop.fs.Path hadoopPath(Path path) {
        return new org.apache.hadoop.fs.Path(path.toUri());
    }

    @Test
    void aRunDirectoryLeasedByALiveRunIsRefusedNamingItAndForceMovesNothing() throws IOException {
        Path run = finishedRun("live");
        FileSystem local = FileSystem.getLocal(new Configuration()).getRaw();
        try (DirectoryLease live = DirectoryLease.acquire(local, hadoopPath(run), "run_dir",
                "phalanx train --config first.conf", Duration.ofMinutes(2), notice -> {})) {
            for (boolean force : new boolean[] {false, true}) {
                err.reset();
                String[] args = {"train", "--config", config("").toString(), "--set", "run_dir=" + run};
                int code = force ? run(args[0], args[1], args[2], args[3], args[4], "--force") : run(args);
                assertEquals(ExitCodes.BAD_CONFIG, code, errors());
                assertTrue(errors().startsWith("phalanx: error: run_dir '"), errors());
                assertTrue(errors().contains("/live' is in use by another job: "), errors());
                assertTrue(errors().contains(" pid " + ProcessHandle.current().pid()
                        + " (phalanx train --config first.conf), since "), errors());
                assertEquals(1, errors().lines().count(), errors());
            }
            live.requireHeld();
        }
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().startsWith("live.previous-")),
                    "--force must not move aside a folder a live run holds");
        }
        try (var files = Files.list(run)) {
            assertEquals(3, files.count(), "the lease is gone with its holder; the run is untouched");
        }
    }

    @Test
    void anAbandonedRunDirectoryLeaseIsTakenOverWithANotice() throws IOException {
        Path run = finishedRun("abandoned");
        Path lease = Files.writeString(run.resolve(DirectoryLease.FILE), "{\"owner\":\"someone@elsewhere pid 7\","
                + "\"application\":\"phalanx train --config old.conf\",\"token\":\"t-old\",\"acquiredMillis\":0,"
                + "\"timeoutMillis\":60000}");
        Files.setLastModifiedTime(lease, FileTime.fromMillis(System.currentTimeMillis() - 120_000));
        int code = run("train", "--config", config("").toString(), "--set", "run_dir=" + run);
        assertEquals(ExitCodes.OK, code, errors());
        String printed = out.toString(StandardCharsets.UTF_8);
        assertTrue(printed.startsWith("phalanx: took over the lease on run_dir '"), printed);
        assertTrue(printed.contains("' from someone@elsewhere pid 7 (phalanx train --config old.conf), since"
                + " 1970-01-01T00:00:00Z: its last heartbeat was 12"), printed);
        assertTrue(printed.contains(" s ago, more than its timeout of 1m\n"), printed);
        assertTrue(printed.contains("holds a finished run (_SUCCESS) with these settings; nothing to do"), printed);
        try (var files = Files.list(run)) {
            assertEquals(3, files.count(), "the taken-over lease is released at the end");
        }
    }
}
