package dev.phalanx.engine.notebook;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every {@code %spark} paragraph of every Zeppelin note in {@code notebooks/}, in order,
 * against a real local Spark, and fails on the first paragraph that fails — so the notes never
 * rot. {@code %md} paragraphs are prose; any other interpreter fails the test, since it would
 * otherwise go untested.
 */
class NotebooksIT {

    private static final Path NOTEBOOKS = Paths.get("..", "notebooks");

    @TempDir
    static Path work;

    private static SparkSession spark;
    private static ScalaParagraphRunner runner;

    @BeforeAll
    static void startInterpreter() throws IOException {
        Path classes = Files.createDirectories(work.resolve("repl-classes"));
        spark = SparkSession.builder()
                .master("local[2]")
                .appName("phalanx-notebooks")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.barrier.sync.timeout", "300s")
                .config("spark.repl.class.outputDir", classes.toString())
                .getOrCreate();
        // The notes keep their models and checkpoints here (their default is /tmp/phalanx-notebooks).
        System.setProperty("phalanx.notebook.dir", work.resolve("notebook-files").toUri().toString());
        runner = new ScalaParagraphRunner(spark, classes);
    }

    @AfterAll
    static void stop() {
        if (runner != null) {
            runner.close();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void aParagraphThatDoesNotCompileOrThrowsIsReportedAsFailed() {
        assertTrue(runner.run("val answer = 6 * 7\nprintln(answer)").success());
        ScalaParagraphRunner.Outcome typeError = runner.run("val n: Int = \"seven\"");
        assertFalse(typeError.success());
        assertTrue(typeError.output().contains("type mismatch"), typeError.output());
        ScalaParagraphRunner.Outcome thrown = runner.run("throw new IllegalStateException(\"paragraph blew up\")");
        assertFalse(thrown.success());
        assertTrue(thrown.output().contains("paragraph blew up"), thrown.output());
    }

    @TestFactory
    Stream<DynamicTest> everyNoteRunsFromTopToBottom() throws IOException {
        List<Path> notes = new ArrayList<>();
        try (Stream<Path> files = Files.list(NOTEBOOKS)) {
            files.filter(f -> f.toString().endsWith(".zpln")).sorted().forEach(notes::add);
        }
        assertFalse(notes.isEmpty(), "no .zpln notes in " + NOTEBOOKS.toAbsolutePath());
        return notes.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> run(file)));
    }

    private static void run(Path file) throws IOException {
        ZeppelinNote note = ZeppelinNote.read(file);
        int tablesBefore = runner.z().shown().size();
        int ran = 0;
        for (ZeppelinNote.Paragraph paragraph : note.paragraphs()) {
            switch (paragraph.interpreter()) {
                case "md" -> { }
                case "spark" -> {
                    ScalaParagraphRunner.Outcome outcome = runner.run(paragraph.code());
                    System.out.println("[" + note.name() + "] " + paragraph.title() + "\n" + outcome.output());
                    if (!outcome.success()) {
                        fail("note '" + note.name() + "', paragraph '" + paragraph.title() + "' failed:\n"
                                + outcome.output());
                    }
                    ran++;
                }
                default -> fail("note '" + note.name() + "', paragraph '" + paragraph.title()
                        + "' uses %" + paragraph.interpreter() + ", which this test cannot run");
            }
        }
        assertTrue(ran > 0, "note '" + note.name() + "' has no %spark paragraph");
        assertTrue(runner.z().shown().size() > tablesBefore, "note '" + note.name() + "' displayed no table");
    }
}
