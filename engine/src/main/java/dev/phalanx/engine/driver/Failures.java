package dev.phalanx.engine.driver;

import dev.phalanx.engine.api.TrainingFailedException;
import dev.phalanx.engine.data.InvalidDataException;

/**
 * Turns what Spark throws on the driver into what the caller should see. Spark wraps an executor's
 * exception in a {@code SparkException} whose message is a long stage report; the first Phalanx
 * exception in the cause chain says what really went wrong.
 */
final class Failures {

    private Failures() {}

    static RuntimeException translate(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InvalidDataException bad) {
                return new InvalidDataException(bad.getMessage());
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new TrainingFailedException("training failed: " + root, e);
    }
}
