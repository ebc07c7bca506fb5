package dev.phalanx.engine.worker;

import dev.phalanx.engine.job.FaultInjection;


/** Thrown by a worker at the step a {@link FaultInjection} names, or after the stall it asks for. */
public class InjectedFault extends RuntimeException {

    /** Creates the fault with a message naming the rank and step or stall. */
    public InjectedFault(String message) {
        super(message);
    }
}
