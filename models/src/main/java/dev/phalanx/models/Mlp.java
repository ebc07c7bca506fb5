package dev.phalanx.models;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;

/**
 * A multi-layer perceptron: flatten, then 256 and 128 ReLU units, then one logit per class.
 *
 * <p>The layer sizes match the PyTorch peer in {@code shared/peers/torch_step.py} so that
 * benchmarks compare the same network.
 */
public final class Mlp implements ModelDefinition {

    private static final int[] HIDDEN_UNITS = {256, 128};

    @Override
    public String name() {
        return "mlp";
    }

    @Override
    public String description() {
        return "multi-layer perceptron, hidden layers 256-128, ReLU";
    }

    @Override
    public Block build(InputSpec input) {
        SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
        for (int units : HIDDEN_UNITS) {
            net.add(Linear.builder().setUnits(units).build()).add(Activation.reluBlock());
        }
        return net.add(Linear.builder().setUnits(input.numClasses()).build());
    }
}
