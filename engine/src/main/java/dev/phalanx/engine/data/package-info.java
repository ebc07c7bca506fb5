/**
 * From Spark rows to training batches: row conversion with validation, sharding into W parts in a
 * deterministic global order, the per-worker shard buffer, and the per-epoch sample order.
 */
package dev.phalanx.engine.data;
