package dev.phalanx.engine.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@link FailureSimulation} against what can be worked out by hand: no failures leaves only the
 * checkpoint pauses; rare failures agree with the first-order formula; the failure count follows
 * the MTBF; Young's and Daly's intervals beat intervals four times shorter or longer.
 */
class FailureSimulationTest {

    /** 1,000 cards of 10,000 h each: the run fails every 10 hours. */
    private static final RunAtScale RUN = new RunAtScale(1_000, 10_000, 120, 480, 10, 60, 1_800);

    @Test
    void withoutFailuresOnlyThePausesCost() {
        RunAtScale neverFails = new RunAtScale(1, 1e12, 120, 480, 10, 60, 1_800);
        FailureSimulation.Result result = FailureSimulation.simulate(neverFails, 1_000, 1);
        assertEquals(0, result.failures());
        // 1,000 h of training in 30-minute intervals, each followed by a 10 s pause but the last.
        assertEquals(1_000.0 / (1_000 + (2_000 - 1) * 10 / 3600.0), result.efficiency(), 1e-9);
    }

    @Test
    void rareFailuresCostWhatTheFirstOrderFormulaSays() {
        double simulated = FailureSimulation.meanEfficiency(RUN, 20_000, 4);
        double formula = CheckpointCadence.firstOrderEfficiency(RUN);
        System.out.printf("1,000 cards, MTBF 10 h, 30 min interval: simulated %.4f, first order %.4f%n", simulated,
                formula);
        // Detection, relaunch, write and half an interval: 2 + 8 + 1 + 15 min lost per failure every
        // 10 h (4.3%), and 10 s per 30 min (0.6%).
        assertEquals(formula, simulated, 0.003);
        assertEquals(0.951, formula, 0.001);
    }

    @Test
    void failuresComeAtTheRunsMtbf() {
        FailureSimulation.Result result = FailureSimulation.simulate(RUN, 20_000, 7);
        double expected = result.wallHours() / 10;
        assertEquals(expected, result.failures(), 4 * Math.sqrt(expected), result.toString());
    }

    @Test
    void youngsAndDalysIntervalsBeatShorterAndLongerOnes() {
        double mtbf = RUN.systemMtbfSeconds();
        double young = CheckpointCadence.young(RUN.checkpointPauseSeconds(), mtbf);
        double daly = CheckpointCadence.daly(RUN.checkpointPauseSeconds(), mtbf);
        assertEquals(Math.sqrt(2 * 10 * 36_000), young, 1e-9);
        assertTrue(daly > young * 0.99 && daly < young * 1.02, "Daly " + daly + ", Young " + young);
        double atYoung = FailureSimulation.meanEfficiency(RUN.withCheckpointInterval(young), 20_000, 4);
        double shorter = FailureSimulation.meanEfficiency(RUN.withCheckpointInterval(young / 4), 20_000, 4);
        double longer = FailureSimulation.meanEfficiency(RUN.withCheckpointInterval(young * 4), 20_000, 4);
        System.out.printf("interval %.0f s (Young): %.4f; a quarter: %.4f; four times: %.4f%n", young, atYoung,
                shorter, longer);
        assertTrue(atYoung > shorter && atYoung > longer, atYoung + " against " + shorter + " and " + longer);
        // Daly's form applies where the pause is not small beside the MTBF.
        assertEquals(60.0, CheckpointCadence.daly(120, 60), 1e-9);
    }

    @Test
    void aRunWithoutCardsOrWithANegativeTimeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new RunAtScale(0, 10, 0, 0, 0, 0, 60));
        assertThrows(IllegalArgumentException.class, () -> new RunAtScale(8, 10, -1, 0, 0, 0, 60));
    }
}
