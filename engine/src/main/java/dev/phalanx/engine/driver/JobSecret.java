package dev.phalanx.engine.driver;

import dev.phalanx.engine.collective.CollectiveOptions;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.SparkEnv;

/**
 * The secret that ring connections must prove they know.
 *
 * <p>Without {@code spark.authenticate} it is the random job token the driver created and shipped
 * with the task. With {@code spark.authenticate} on, each task derives it from Spark's own shared
 * secret and the job token (HMAC-SHA256), so the secret never travels in a task closure and a
 * process without Spark's secret cannot join the ring.
 */
final class JobSecret {

    private JobSecret() {}

    /** Returns the options this task's ring connections use. */
    static CollectiveOptions forTask(CollectiveOptions shipped) {
        SparkEnv env = SparkEnv.get();
        if (env == null || !env.conf().getBoolean("spark.authenticate", false)) {
            return shipped;
        }
        String sparkSecret = env.securityManager().getSecretKey();
        return shipped.withJobToken(derive(sparkSecret, shipped.jobToken()));
    }

    /** Derives the ring secret from Spark's secret and the public job token. */
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
