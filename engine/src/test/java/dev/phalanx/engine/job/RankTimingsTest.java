package dev.phalanx.engine.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RankTimings}: the slowest rank, the median, the percentiles and the straggler rule. */
class RankTimingsTest {

    @Test
    void theSlowestRankIsTheBusiestAndAStragglerWhenMarkedlyBusierThanTheMedian() {
        RankTimings timings = RankTimings.of(List.of(
                new RankTimings.Rank(0, "a", 1.0, 10.0, 31.0, new double[] {42, 42, 43}),
                new RankTimings.Rank(1, "b", 30.0, 11.0, 1.0, new double[] {42, 43, 44}),
                new RankTimings.Rank(2, "c", 1.0, 9.0, 32.0, new double[] {42, 42, 100})));
        assertEquals(1, timings.slowestRank());
        assertEquals("b", timings.slowestHost());
        assertEquals(41.0, timings.slowestBusyMillis());
        assertEquals(11.0, timings.medianBusyMillis());
        assertEquals(42.0, timings.stepP50Millis());
        assertEquals(100.0, timings.stepP99Millis());
        assertTrue(timings.straggler());
        assertEquals("straggler: rank 1 on b is busy 41.0 ms per step (data 30.0, compute 11.0) against a median of"
                + " 11.0 ms; the other ranks wait for it in the all-reduce", timings.describe());
    }

    @Test
    void evenRanksOrSubMillisecondDifferencesAreNoStraggler() {
        assertFalse(RankTimings.of(List.of(new RankTimings.Rank(0, "a", 1.0, 10.0, 1.0, new double[] {12}),
                new RankTimings.Rank(1, "b", 1.0, 12.0, 0.5, new double[] {12}))).straggler());
        // Three times the median, but half a millisecond: noise, not a straggler.
        assertFalse(RankTimings.isStraggler(0.75, 0.25));
        assertTrue(RankTimings.isStraggler(6.0, 3.0));
        // 2 ms more but not half as busy again.
        assertFalse(RankTimings.isStraggler(10.0, 8.0));
        // One rank alone is its own median.
        assertFalse(RankTimings.of(List.of(new RankTimings.Rank(0, "a", 5.0, 50.0, 0, new double[] {55}))).straggler());
    }
}
