package dev.phalanx.launcher;

import dev.phalanx.engine.job.TrainingFailedException;
import dev.phalanx.engine.checkpoint.CheckpointException;
import dev.phalanx.engine.data.InvalidDataException;
import dev.phalanx.engine.job.DeviceUnavailableException;
import dev.phalanx.engine.job.DirectMemoryExhaustedException;
import dev.phalanx.engine.job.LossNotFiniteException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code phalanx} command line. Errors are printed as one line naming the culprit, and the
 * exit code tells pipelines what kind of failure it was (see {@link ExitCodes}).
 */
@Command(name = "phalanx", mixinStandardHelpOptions = true, version = "phalanx 0.1.0",
        description = "Data-parallel deep learning on Apache Spark with DJL workers.")
public final class PhalanxCli {

    private PhalanxCli() {}

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line and returns its exit code; for tests and embedding. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        // Nothing may be downloaded at run time: DJL must use the natives on the classpath.
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        CommandLine train = new CommandLine(new TrainCommand(out));
        train.getCommandSpec().usageMessage().width(ModelHelp.WIDTH + 2).footer(ModelHelp.lines().toArray(new String[0]));
        CommandLine cli = new CommandLine(new PhalanxCli())
                .addSubcommand(train)
                .addSubcommand(new CommandLine(new CheckpointsCommand(out)))
                .addSubcommand(new CommandLine(new ReportCommand(out)))
                .addSubcommand(new CommandLine(new PlanCommand(out)))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, arguments) -> {
                    err.println("phalanx: usage error: " + e.getMessage() + " (see: "
                            + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
                    return ExitCodes.BAD_CONFIG;
                })
                .setExecutionExceptionHandler((e, commandLine, parseResult) -> {
                    Exception shown = dataErrorWithin(e);
                    err.println("phalanx: " + describe(shown));
                    return exitCode(shown);
                });
        return cli.execute(args);
    }

    /**
     * A Spark job that failed on bad data (a data file that an executor finds truncated, say) fails
     * with Spark's own exception, the executor's {@link InvalidDataException} among its causes:
     * that is the error to show, rather than an internal one.
     */
    private static Exception dataErrorWithin(Exception e) {
        if (exitCode(e) != ExitCodes.INTERNAL) {
            return e;
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof InvalidDataException bad) {
                return bad;
            }
        }
        return e;
    }

    private static String describe(Exception e) {
        if (e instanceof ConfigError || e instanceof InvalidDataException || e instanceof TrainingFailedException
                || e instanceof CheckpointException || e instanceof DeviceUnavailableException
                || e instanceof LossNotFiniteException || e instanceof DirectMemoryExhaustedException) {
            return "error: " + e.getMessage();
        }
        if (e instanceof IOException) {
            return "data error: " + e.getMessage();
        }
        if (e instanceof IllegalArgumentException) {
            return "error: " + e.getMessage();
        }
        return "internal error: " + e;
    }

    private static int exitCode(Throwable e) {
        if (e instanceof ConfigError || e instanceof DeviceUnavailableException
                || e instanceof DirectMemoryExhaustedException) {
            return ExitCodes.BAD_CONFIG;
        }
        if (e instanceof InvalidDataException || e instanceof IOException) {
            return ExitCodes.BAD_DATA;
        }
        if (e instanceof TrainingFailedException || e instanceof LossNotFiniteException) {
            return ExitCodes.TRAINING_FAILED;
        }
        if (e instanceof CheckpointException) {
            return ExitCodes.CHECKPOINT_UNUSABLE;
        }
        if (e instanceof IllegalArgumentException) {
            return ExitCodes.BAD_CONFIG;
        }
        return ExitCodes.INTERNAL;
    }
}
