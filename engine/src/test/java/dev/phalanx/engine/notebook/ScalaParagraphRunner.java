package dev.phalanx.engine.notebook;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scala.Console$;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs Scala paragraphs the way Zeppelin's Spark interpreter does: one class-based Scala 2.13
 * interpreter whose compiled lines land in Spark's REPL class directory (so executors can load
 * classes a paragraph defines), with {@code spark}, {@code sc} and {@code z} bound and Zeppelin's
 * default imports in scope. Paragraphs share state in order, as in a note.
 */
final class ScalaParagraphRunner implements AutoCloseable {

    /** What one paragraph did: whether it succeeded, and everything it printed. */
    record Outcome(boolean success, String output) {}

    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    private final IMain interpreter;
    private final HeadlessZeppelinContext z = new HeadlessZeppelinContext(out);

    /**
     * Starts an interpreter over the test's class path.
     *
     * @param classDir the directory set as {@code spark.repl.class.outputDir} of {@code spark}
     */
    ScalaParagraphRunner(SparkSession spark, Path classDir) {
        Settings settings = new Settings();
        settings.processArguments(CollectionConverters.asScala(List.of(
                "-Yrepl-class-based", "-Yrepl-outdir", classDir.toString(),
                "-classpath", System.getProperty("java.class.path"))).toList(), true);
        interpreter = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(out, true)));
        bind("spark", "org.apache.spark.sql.SparkSession", spark);
        bind("sc", "org.apache.spark.SparkContext", spark.sparkContext());
        bind("z", HeadlessZeppelinContext.class.getName(), z);
        Outcome imports = run(String.join("\n", "import org.apache.spark.SparkContext._", "import spark.implicits._",
                "import spark.sql", "import org.apache.spark.sql.functions._"));
        if (!imports.success()) {
            throw new IllegalStateException("the interpreter did not start:\n" + imports.output());
        }
    }

    private void bind(String name, String type, Object value) {
        Results.Result result = interpreter.bind(name, type, value, CollectionConverters.asScala(List.<String>of()).toList());
        if (!(result instanceof Results.Success$)) {
            throw new IllegalStateException("cannot bind " + name + ":\n" + buffer.toString(StandardCharsets.UTF_8));
        }
    }

    /** Interprets one paragraph's code and returns what it printed. */
    Outcome run(String code) {
        buffer.reset();
        Results.Result result = Console$.MODULE$.withOut(out, () -> interpreter.interpret(code));
        return new Outcome(result instanceof Results.Success$, buffer.toString(StandardCharsets.UTF_8));
    }

    /** Returns the {@code z} the paragraphs see. */
    HeadlessZeppelinContext z() {
        return z;
    }

    @Override
    public void close() {
        interpreter.close();
    }
}
