package dev.phalanx.engine.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link FaultInjection}'s forms, {@code rank:step}, {@code rank:rendezvous} and {@code rank:slow:ms}, read and written. */
class FaultInjectionTest {

    @Test
    void bothFormsReadAndWriteBack() {
        FaultInjection step = FaultInjection.parse("1:250");
        assertEquals(new FaultInjection(1, 250), step);
        assertFalse(step.stallsBeforeRendezvous());
        assertEquals("1:250", step.text());
        FaultInjection stall = FaultInjection.parse(" 0 : rendezvous ");
        assertEquals(FaultInjection.stallBeforeRendezvous(0), stall);
        assertTrue(stall.stallsBeforeRendezvous());
        assertEquals("0:rendezvous", stall.text());
        FaultInjection slow = FaultInjection.parse("1:slow:40");
        assertEquals(FaultInjection.slow(1, 40), slow);
        assertEquals(40, slow.slowMillis());
        assertFalse(slow.stallsBeforeRendezvous());
        assertEquals("1:slow:40", slow.text());
    }

    @Test
    void anythingElseIsRefusedNamingBothForms() {
        for (String bad : new String[] {"1", "1:-1", "1:later", "x:3"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultInjection.parse(bad));
            assertEquals("fault_injection must look like rank:step, rank:rendezvous or rank:slow:milliseconds, got '"
                    + bad + "'", e.getMessage());
        }
        for (String bad : new String[] {"1:slow:0", "1:slow:x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaultInjection.parse(bad));
            assertEquals("fault_injection must look like rank:step, rank:rendezvous or rank:slow:milliseconds (a positive"
                    + " number of milliseconds), got '" + bad + "'", e.getMessage());
        }
    }
}
