package dev.phalanx.engine.driver;

import dev.phalanx.engine.api.TrainingFailedException;
import dev.phalanx.engine.data.InvalidDataException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns what Spark throws on the driver into what the caller should see.
 *
 * <p>Why parse text: when a barrier stage fails, Spark aborts the job with a {@code SparkException}
 * that carries the failed task's exception only as text in a long stage report (no cause). The
 * first exception line in that report says what really went wrong.
 */
final class Failures {

    private static final Pattern INVALID_DATA =
            Pattern.compile(Pattern.quote(InvalidDataException.class.getName()) + ": (.*)");
    private static final Pattern EXCEPTION_LINE =
            Pattern.compile("^(?:[\\w$]+\\.)+[\\w$]*(?:Exception|Error)(?:: .*)?$", Pattern.MULTILINE);

    private Failures() {}

    static RuntimeException translate(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidDataException bad) {
                return new InvalidDataException(bad.getMessage());
            }
        }
        String report = String.valueOf(e.getMessage());
        Matcher invalid = INVALID_DATA.matcher(report);
        if (invalid.find()) {
            return new InvalidDataException(invalid.group(1));
        }
        Matcher exception = EXCEPTION_LINE.matcher(report);
        String cause = exception.find() ? exception.group() : report.lines().findFirst().orElse(report);
        return new TrainingFailedException("training failed: " + cause, e);
    }
}
