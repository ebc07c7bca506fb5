package dev.phalanx.engine.model;

import ai.djl.engine.Engine;

/** Loads DJL's PyTorch engine the way Phalanx needs it, on the driver and on executors alike. */
public final class PyTorchEngine {

    private PyTorchEngine() {}

    /**
     * Returns the PyTorch engine. Nothing may be downloaded at run time: unless the JVM says
     * otherwise, DJL is put in offline mode so it uses the natives on the classpath (executors do
     * not inherit the launcher's system properties).
     */
    public static Engine get() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        return Engine.getEngine("PyTorch");
    }
}
