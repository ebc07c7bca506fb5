package dev.phalanx.launcher;

/** A job config cannot be used; the message names the key or file and what was expected. */
public class ConfigError extends RuntimeException {

    /** Creates an error whose message names the culprit. */
    public ConfigError(String message) {
        super(message);
    }
}
