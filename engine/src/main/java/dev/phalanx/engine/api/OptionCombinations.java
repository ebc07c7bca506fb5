package dev.phalanx.engine.api;

import ai.djl.nn.Block;
import dev.phalanx.engine.data.ImageFormat;
import dev.phalanx.engine.job.EarlyStopping;
import dev.phalanx.engine.job.Evaluation;
import dev.phalanx.engine.job.FaultInjection;
import dev.phalanx.engine.job.FrozenParameters;
import dev.phalanx.engine.model.TorchScriptFamily;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The checks of {@link TrainingOptions} that involve more than one option, or the model and its
 * input: each option's own check is its key's ({@link dev.phalanx.engine.api.options.TrainingKeys}).
 */
final class OptionCombinations {

    private OptionCombinations() {}

    /**
     * Checks the options against each other and the model.
     *
     * @throws IllegalArgumentException whose message starts with the offending key
     */
    static void check(TrainingOptions options) {
        InputSpec input = options.input();
        // Parses the name and options and builds the (uninitialised) network for this input, so an
        // unknown option, a factory class that cannot be loaded or an input the model cannot take
        // fails here, before any Spark job; the catalog's messages start with "model".
        ModelSpec model = options.model();
        if (TorchScriptFamily.is(model)) {
            TorchScriptFamily.check(model);
        } else {
            Block block = ModelCatalog.build(model, input);
            // A DJL block's parameter names are known before it is initialised: an unknown freeze
            // prefix is named here too (a TorchScript module's names, once the driver loads it).
            List<String> names = new ArrayList<>();
            block.getParameters().forEach(parameter -> names.add(parameter.getKey()));
            FrozenParameters.of(names, Collections.nCopies(names.size(), 0L), options.freeze());
        }
        require(!options.checkpointIntervalAuto() || !options.mtbf().isZero(), "checkpoint_interval",
                "= auto needs mtbf, one worker's mean time between failures (for example mtbf = 2000h)");
        boolean classifies = options.loss().classifies();
        require(classifies ? input.numClasses() >= 2 : input.numClasses() == 1, "num_classes",
                classifies ? "must be at least 2 for loss cross_entropy, got " + input.numClasses()
                        : "must be 1 for loss mse (one output per sample), got " + input.numClasses());
        int weights = options.classWeights().length;
        require(weights == 0 || classifies && weights == input.numClasses(), "class_weights",
                classifies ? "holds " + weights + " weights for " + input.numClasses() + " classes"
                        : "applies to loss cross_entropy only");
        require(classifies || options.labelSmoothing() == 0, "label_smoothing",
                "applies to loss cross_entropy only, got " + options.labelSmoothing() + " with loss mse");
        if (options.imageMean() != null || options.imageStd() != null) {
            try {
                ImageFormat.forShape(input.sampleShape(), options.imageMean(), options.imageStd());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image_mean/image_std " + e.getMessage(), e);
            }
        }
        int workers = options.workers();
        int batchSize = options.batchSize();
        require(batchSize % workers == 0, "batch_size", "(" + batchSize + ") must be a multiple of workers ("
                + workers + ") so every worker takes an equal share");
        int gpus = options.gpusPerWorker();
        require(gpus <= 1 || batchSize % (workers * gpus) == 0, "batch_size", "(" + batchSize
                + ") must be a multiple of workers × gpus_per_worker (" + workers * gpus
                + ") so every GPU takes an equal share");
        int micro = options.accumulationSteps();
        require(micro == 1 || batchSize % (workers * Math.max(1, gpus) * micro) == 0, "accumulation_steps",
                "(" + micro + ") must divide each worker's share of batch_size (" + batchSize + " / " + workers
                        + (gpus > 1 ? " / " + gpus + " GPUs" : "") + ") evenly");
        EarlyStopping stopping = options.earlyStopping();
        require(Evaluation.metricsOf(options.loss()).contains(stopping.metric()), "early_stopping_metric",
                "'" + stopping.metric() + "' is not a metric of loss " + options.loss().key() + "; choose one of "
                        + String.join(", ", Evaluation.metricsOf(options.loss())));
        require(!stopping.metric().equals("top_k_accuracy") || Evaluation.topKFor(options.topK(),
                input.numClasses()) > 0, "early_stopping_metric", "top_k_accuracy needs top_k (" + options.topK()
                        + ") between 1 and num_classes - 1 (" + (input.numClasses() - 1) + ")");
        FaultInjection fault = options.faultInjection();
        require(fault == null || fault.rank() < workers, "fault_injection",
                "names rank " + (fault == null ? 0 : fault.rank()) + " but there are " + workers + " workers");
        require(fault == null || !fault.stallsBeforeRendezvous() || workers > 1, "fault_injection",
                "rank:rendezvous needs at least 2 workers: one worker has no rendezvous");
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new IllegalArgumentException(key + " " + problem);
        }
    }
}
