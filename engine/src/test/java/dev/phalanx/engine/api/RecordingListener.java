package dev.phalanx.engine.api;

import dev.phalanx.engine.job.EpochMetrics;
import dev.phalanx.engine.job.StepMetrics;
import dev.phalanx.engine.job.Validation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A progress listener for tests that keeps everything it is told, in order. */
final class RecordingListener implements ProgressListener {

    final List<EpochMetrics> epochs = Collections.synchronizedList(new ArrayList<>());
    final List<StepMetrics> steps = Collections.synchronizedList(new ArrayList<>());
    final List<Validation> validations = Collections.synchronizedList(new ArrayList<>());
    final List<String> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void onEpoch(EpochMetrics metrics) {
        epochs.add(metrics);
    }

    @Override
    public void onStep(StepMetrics metrics) {
        steps.add(metrics);
    }

    @Override
    public void onValidation(Validation validation) {
        validations.add(validation);
    }

    @Override
    public void onEvent(String message) {
        events.add(message);
    }
}
