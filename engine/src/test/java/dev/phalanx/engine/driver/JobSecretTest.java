package dev.phalanx.engine.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.phalanx.engine.SparkTestSession;
import dev.phalanx.engine.collective.CollectiveOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class JobSecretTest {

    @Test
    void theDerivedSecretDependsOnSparksSecretAndTheJobAndDiffersFromBoth() {
        String a = JobSecret.derive("spark-secret", "job-1");
        assertEquals(a, JobSecret.derive("spark-secret", "job-1"));
        assertNotEquals(a, JobSecret.derive("other-secret", "job-1"));
        assertNotEquals(a, JobSecret.derive("spark-secret", "job-2"));
        assertEquals(64, a.length());
    }

    @Test
    void withoutSparkAuthenticationTheShippedTokenIsUsed() {
        SparkTestSession.get();
        CollectiveOptions shipped = new CollectiveOptions(Duration.ofSeconds(5), "token");
        assertSame(shipped, JobSecret.resolve(shipped));
    }
}
