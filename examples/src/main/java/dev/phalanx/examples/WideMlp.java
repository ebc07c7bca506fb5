package dev.phalanx.examples;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.phalanx.models.BlockFactory;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;

/**
 * A network of one's own, named in a job config as {@code model = "class:dev.phalanx.examples.WideMlp"}:
 * flatten, one wide ReLU layer of {@code hidden} units (default 512, {@code model_options { hidden =
 * 1024 }} to change it), then one output per class.
 */
public final class WideMlp implements BlockFactory {

    private static final long serialVersionUID = 1L;

    @Override
    public Block build(InputSpec input, ModelSpec options) {
        int hidden = options.intValue("hidden", 512);
        options.require(hidden > 0, "hidden must be positive, got " + hidden);
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(hidden).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(input.numClasses()).build());
    }
}
