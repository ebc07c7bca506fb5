package dev.phalanx.engine.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Daly's interval from the job's MTBF and the measured pause, against values worked out by hand. */
class AutoCheckpointIntervalTest {

    @Test
    void theIntervalFollowsTheMeasuredPause() {
        AutoCheckpointInterval auto = new AutoCheckpointInterval(Duration.ofHours(1));
        // Before a measurement, a 1 s pause: sqrt(2 * 1 * 3600) = 84.853; (1 + sqrt(1/7200)/3 + (1/7200)/9) = 1.0039439.
        assertEquals(84.853 * 1.0039439 - 1, seconds(auto.interval()), 1e-3);
        assertTrue(auto.describe().contains("assumed until one is measured"), auto.describe());
        // A 2 s pause: sqrt(14400) = 120; 1 + sqrt(2/7200)/3 + (2/7200)/9 = 1.0055864; 120 * 1.0055864 - 2 = 118.670.
        auto.measured(2);
        assertEquals(118.670, seconds(auto.interval()), 1e-3);
        assertEquals("checkpoint_interval auto: 119 s (Daly, from a checkpoint pause of 2.00 s and a job MTBF of"
                + " 3.60e+03 s)", auto.describe());
        // A pause as long as twice the MTBF: Daly checkpoints once per MTBF.
        auto.measured(7200);
        assertEquals(3600, seconds(auto.interval()), 1e-9);
    }

    @Test
    void anMtbfOfZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AutoCheckpointInterval(Duration.ZERO));
    }

    private static double seconds(Duration duration) {
        return duration.toNanos() / 1e9;
    }
}
