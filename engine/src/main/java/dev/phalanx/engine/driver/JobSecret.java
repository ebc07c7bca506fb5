package dev.phalanx.engine.driver;

import dev.phalanx.engine.collective.CollectiveOptions;
import dev.phalanx.engine.collective.JobKey;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.SparkEnv;

/**
 * The job's secret: the keys that its ring connections and rank 0's progress connection prove they
 * know are derived from it, per attempt ({@link JobKey}); it never crosses those connections.
 *
 * <p>Without {@code spark.authenticate} it is the random job token the driver created, which
 * reaches the executors inside the task, as Spark ships every task (encrypted only with {@code
 * spark.network.crypto.enabled}). With {@code spark.authenticate} on, the driver and each task
 * derive it from Spark's own shared secret and the job token (HMAC-SHA256), so the secret never
 * travels at all, and a process without Spark's secret can neither join the ring nor report
 * progress.
 */
final class JobSecret {

    private JobSecret() {}

    /**
     * Returns {@code shipped} with the secret this process's connections use: in a task for the
     * ring and the progress reporter, on the driver for the progress listener.
     */
    static CollectiveOptions resolve(CollectiveOptions shipped) {
        SparkEnv env = SparkEnv.get();
        if (env == null || !env.conf().getBoolean("spark.authenticate", false)) {
            return shipped;
        }
        String sparkSecret = env.securityManager().getSecretKey();
        return shipped.withJobToken(derive(sparkSecret, shipped.jobToken()));
    }

    /** Derives the job's secret from Spark's secret and the job token. */
    static String derive(String sparkSecret, String jobToken) {
        try {
            Mac hmac = Mac.getInstance("HmacSHA256");
            hmac.init(new SecretKeySpec(sparkSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(hmac.doFinal(jobToken.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
        }
    }
}
