/**
 * From Spark rows to training batches: row conversion with validation, sharding into W parts in a
 * deterministic global order, the per-worker off-heap shard store that spills to local disk, and
 * the per-epoch sample order and batches.
 */
package dev.phalanx.engine.data;
