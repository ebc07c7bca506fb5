package dev.phalanx.engine.job;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When each phase of a run ended, by name, as wall-clock milliseconds since the Unix epoch: on the
 * driver (Spark's session, the sharding job, the barrier stage's launch, …) and on rank 0 (its shard
 * filled, the rendezvous, the model built, the first step). Wall clocks, so that marks taken on the
 * driver and on an executor compare; on a cluster they are as close as the hosts' clocks. A later
 * mark of the same name (a relaunched attempt) replaces the earlier.
 */
public final class PhaseTimes implements Serializable {

    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Long> marks = new LinkedHashMap<>();

    /** Records that {@code phase} ended now. */
    public synchronized PhaseTimes mark(String phase) {
        return mark(phase, System.currentTimeMillis());
    }

    /** Records that {@code phase} ended at {@code epochMillis}. */
    public synchronized PhaseTimes mark(String phase, long epochMillis) {
        marks.remove(phase);
        marks.put(phase, epochMillis);
        return this;
    }

    /** Adds every mark of {@code other}, in its order, after this one's. */
    public synchronized PhaseTimes add(PhaseTimes other) {
        other.marks().forEach(this::mark);
        return this;
    }

    /** Returns the time {@code phase} ended, or -1 if it was not marked. */
    public synchronized long at(String phase) {
        return marks.getOrDefault(phase, -1L);
    }

    /** Returns a copy of the marks in the order they were taken. */
    public synchronized Map<String, Long> marks() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(marks));
    }

    /** Returns each phase's end in seconds after {@code originMillis}, in order. */
    public synchronized Map<String, Double> secondsAfter(long originMillis) {
        Map<String, Double> seconds = new LinkedHashMap<>();
        marks.forEach((phase, at) -> seconds.put(phase, Math.round((at - originMillis) / 10.0) / 100.0));
        return seconds;
    }

    @Override
    public synchronized String toString() {
        return marks.toString();
    }
}
