/**
 * Collective communication between Phalanx workers.
 *
 * <p>Three parts kept apart: the {@link dev.phalanx.engine.collective.Communicator} API that the
 * training loop calls; the algorithms ({@link dev.phalanx.engine.collective.RingCommunicator});
 * the transport ({@link dev.phalanx.engine.collective.PeerLink}, plain TCP); and the rendezvous
 * that lets ranks find each other ({@link dev.phalanx.engine.collective.Rendezvous}). Nothing here
 * imports DJL; only {@link dev.phalanx.engine.collective.SparkBarrierRendezvous} knows Spark.
 */
package dev.phalanx.engine.collective;
