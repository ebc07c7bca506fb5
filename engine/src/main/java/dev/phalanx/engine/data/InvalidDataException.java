package dev.phalanx.engine.data;

/**
 * The input data cannot be trained on: a missing or mistyped column, a null, a wrong vector
 * length, a label out of range. The message names the column and, for a bad value, the row.
 */
public class InvalidDataException extends IllegalArgumentException {

    /** Creates an exception whose message names the offending column or row. */
    public InvalidDataException(String message) {
        super(message);
    }
}
