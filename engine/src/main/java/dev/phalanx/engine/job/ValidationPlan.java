package dev.phalanx.engine.job;

import java.io.Serializable;

/**
 * What the workers validate on and when. The shards arrive keyed by position: positions below
 * {@code trainingRows} are training rows, the rest validation rows (see {@code
 * dev.phalanx.engine.data.Sharding}).
 *
 * @param trainingRows how many rows train
 * @param validationRows how many rows validate, over all workers; 0 = no validation
 * @param everySteps validate every this many steps; 0 = at every epoch's end
 * @param topK the k of top-k accuracy (0 = none)
 * @param earlyStopping when to stop and which parameters to keep
 */
public record ValidationPlan(long trainingRows, long validationRows, int everySteps, int topK,
        EarlyStopping earlyStopping) implements Serializable {

    /** Returns whether the workers validate at all. */
    public boolean validates() {
        return validationRows > 0;
    }

    /** Returns whether a validation is due after {@code done} steps, the last of its epoch when {@code epochEnd}. */
    public boolean dueAfter(long done, boolean epochEnd) {
        return validates() && (everySteps > 0 ? done % everySteps == 0 : epochEnd);
    }
}
