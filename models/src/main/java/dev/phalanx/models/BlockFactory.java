package dev.phalanx.models;

import ai.djl.nn.Block;
import java.io.Serializable;

/**
 * Builds one network of the user's own, as a DJL {@link Block}: the smallest way to train a model
 * Phalanx does not ship. An instance travels to every worker by Java serialisation, like any Spark
 * closure, so its class must be on the executors' class path (the application jar, {@code --jars},
 * or a notebook's own classes); when it is named in a job config ({@code model =
 * "class:com.acme.nets.MyNet"}) it also needs a public no-argument constructor.
 *
 * <pre>{@code
 * public final class MyNet implements BlockFactory {
 *     public Block build(InputSpec input, ModelSpec options) {
 *         int hidden = options.intValue("hidden", 128);
 *         return new SequentialBlock()
 *                 .add(Blocks.batchFlattenBlock())
 *                 .add(Linear.builder().setUnits(hidden).build())
 *                 .add(Activation.reluBlock())
 *                 .add(Linear.builder().setUnits(input.numClasses()).build());
 *     }
 * }
 * }</pre>
 *
 * <p>The block's output must be one value per class for each sample ({@code [batch,
 * numClasses]}). Phalanx initialises its parameters itself, from the seed, the same on every
 * worker; a block must not depend on random state of its own to be built.
 */
@FunctionalInterface
public interface BlockFactory extends Serializable {

    /**
     * Builds a fresh, uninitialised block.
     *
     * @param input the shape of one sample and the number of outputs
     * @param options the model options of the job ({@code model_options} in a job config, or
     *     {@code class:Name(key=value, …)}); read them with defaults, for example {@code
     *     options.intValue("hidden", 128)}
     * @return a new block
     * @throws IllegalArgumentException if the model cannot take this input or these options
     */
    Block build(InputSpec input, ModelSpec options);

    /**
     * Returns the name that identifies this model in checkpoints, logs and saved models; the class
     * name unless overridden. Override it when the class name is not stable across runs (a class
     * defined in a notebook is named after the notebook's line).
     */
    default String name() {
        return getClass().getName();
    }

    /** Returns what the input values are: real numbers unless overridden to read token ids. */
    default FeatureDomain inputDomain(ModelSpec options) {
        return FeatureDomain.real();
    }
}
