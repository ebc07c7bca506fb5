package dev.phalanx.engine.data;

/**
 * The input data cannot be trained on: a missing or mistyped column, a null, a wrong vector
 * length, a label out of range, or a data file that is not what it should be (truncated, not gzip,
 * another format, disagreeing with its companion file). The message names the column and, for a
 * bad value, the row; for a file, the file and what was expected.
 */
public class InvalidDataException extends IllegalArgumentException {

    /** Creates an exception whose message names the offending column or row. */
    public InvalidDataException(String message) {
        super(message);
    }
}
