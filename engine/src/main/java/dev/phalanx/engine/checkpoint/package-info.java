/**
 * Checkpoints over the Hadoop {@code FileSystem} API, so any URI works ({@code hdfs://}, {@code
 * file://}, {@code s3a://}): format, atomic commit with per-file checksums and a completion marker,
 * verification, retention, and an asynchronous writer that keeps training going while it writes.
 */
package dev.phalanx.engine.checkpoint;
