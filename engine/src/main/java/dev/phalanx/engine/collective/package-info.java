/**
 * Collective communication between Phalanx workers.
 *
 * <p>Three parts kept apart: the {@link dev.phalanx.engine.collective.Communicator} API that the
 * training loop calls; the algorithms ({@link dev.phalanx.engine.collective.RingCommunicator});
 * the transports behind {@code RingTransport} (non-blocking TCP, or TLS); and the rendezvous that
 * lets ranks find each other ({@link dev.phalanx.engine.collective.Rendezvous}: Spark's barrier,
 * or {@link dev.phalanx.engine.collective.TcpStoreRendezvous} for separate processes). Nothing here
 * imports DJL; only {@link dev.phalanx.engine.collective.SparkBarrierRendezvous} knows Spark.
 */
package dev.phalanx.engine.collective;
