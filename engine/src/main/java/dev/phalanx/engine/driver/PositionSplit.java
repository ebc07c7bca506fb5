package dev.phalanx.engine.driver;

import dev.phalanx.engine.data.LabeledSample;
import java.util.Iterator;
import java.util.NoSuchElementException;
import scala.Tuple2;

/**
 * Splits one stream of samples sorted by position into two, read one after the other: the samples
 * before position {@code boundary}, then the rest. Nothing is buffered beyond the one sample that
 * shows where the first part ends.
 */
final class PositionSplit {

    private final Iterator<Tuple2<Long, LabeledSample>> rows;
    private final long boundary;
    private Tuple2<Long, LabeledSample> pending;

    PositionSplit(Iterator<Tuple2<Long, LabeledSample>> rows, long boundary) {
        this.rows = rows;
        this.boundary = boundary;
    }

    /** Returns the samples before the boundary; read it to its end before {@link #rest()}. */
    Iterator<LabeledSample> before() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                if (pending == null && rows.hasNext()) {
                    pending = rows.next();
                }
                return pending != null && pending._1() < boundary;
            }

            @Override
            public LabeledSample next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                LabeledSample sample = pending._2();
                pending = null;
                return sample;
            }
        };
    }

    /** Returns the samples from the boundary on. */
    Iterator<LabeledSample> rest() {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return pending != null || rows.hasNext();
            }

            @Override
            public LabeledSample next() {
                if (pending != null) {
                    LabeledSample sample = pending._2();
                    pending = null;
                    return sample;
                }
                return rows.next()._2();
            }
        };
    }
}
