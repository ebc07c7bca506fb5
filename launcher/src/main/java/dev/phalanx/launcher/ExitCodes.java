package dev.phalanx.launcher;

/** The process exit codes of {@code phalanx}, documented in the README for pipelines. */
public final class ExitCodes {

    /** Training finished and the run directory is complete. */
    public static final int OK = 0;
    /** An unexpected internal error. */
    public static final int INTERNAL = 1;
    /**
     * Bad command line, config file, key or value, a run directory that cannot be used (or another
     * live run holds), or a master that cannot be reached, does not accept the application in time,
     * or ends it.
     */
    public static final int BAD_CONFIG = 2;
    /**
     * The data cannot be trained on: missing files or columns, bad values, or data files that are
     * truncated, not gzip, of another format or disagree with each other.
     */
    public static final int BAD_DATA = 3;
    /** Training started but failed on its last attempt. */
    public static final int TRAINING_FAILED = 4;
    /**
     * No usable checkpoint to resume from (all corrupt, from another job, or trained on other data),
     * a checkpoint directory another live job holds, or the store failed.
     */
    public static final int CHECKPOINT_UNUSABLE = 5;

    private ExitCodes() {}
}
