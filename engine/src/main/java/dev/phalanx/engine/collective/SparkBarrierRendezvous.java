package dev.phalanx.engine.collective;

import org.apache.spark.BarrierTaskContext;

/**
 * Rendezvous through Spark's barrier stage: {@link BarrierTaskContext#allGather(String)} goes
 * through the driver, which is fine for a handful of addresses once per job but far too slow for
 * gradients.
 */
public final class SparkBarrierRendezvous implements Rendezvous {

    private final BarrierTaskContext context;

    /** Creates a rendezvous over the given barrier task's context. */
    public SparkBarrierRendezvous(BarrierTaskContext context) {
        this.context = context;
    }

    @Override
    public String[] allGather(String message) {
        return context.allGather(message);
    }
}
