/**
 * Checkpoints over the Hadoop {@code FileSystem} API, so any URI works ({@code hdfs://}, {@code
 * file://}, {@code s3a://}): format, atomic commit with per-file checksums and a completion marker,
 * verification, retention, an asynchronous writer that keeps training going while it writes, and
 * the lease that keeps a second job out of a directory a live job is using.
 */
package dev.phalanx.engine.checkpoint;
