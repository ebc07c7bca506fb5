package dev.phalanx.engine.model;

import ai.djl.engine.Engine;

/** Loads DJL's PyTorch engine the way Phalanx needs it, on the driver and on executors alike. */
public final class PyTorchEngine {

    private PyTorchEngine() {}

    /**
     * Returns the PyTorch engine, set up unless the JVM says otherwise:
     *
     * <ul>
     *   <li>offline: nothing may be downloaded at run time, so DJL uses the natives on the classpath
     *       (executors do not inherit the launcher's system properties);
     *   <li>one intra-op and one inter-op thread process-wide at engine start; each worker then sets
     *       its own intra-op threads. Measured (docs/BENCHMARKS-HISTORY.md, "Training step: first
     *       measurements"): two local-mode workers of the CNN otherwise ran unevenly, one waiting
     *       ~30 ms a step in the all-reduce for the other.
     * </ul>
     */
    public static Engine get() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_threads", "1");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        return Engine.getEngine("PyTorch");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
