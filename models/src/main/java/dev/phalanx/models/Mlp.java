package dev.phalanx.models;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.List;

/**
 * A multi-layer perceptron: flatten, then two ReLU layers ({@code hidden} and {@code hidden2}
 * units, by default {@code hidden / 2}), then one logit per class.
 *
 * <p>The default sizes, 256 and 128, match the PyTorch peer in {@code shared/peers/torch_step.py} so
 * that benchmarks compare the same network.
 */
public final class Mlp implements ModelDefinition {

    @Override
    public String name() {
        return "mlp";
    }

    @Override
    public String description() {
        return "multi-layer perceptron, hidden layers hidden and hidden/2, ReLU";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(
                ModelOption.integer("hidden", 256, "units of the first hidden layer"),
                ModelOption.integer("hidden2", 0, "units of the second hidden layer; 0 = half of hidden"),
                ModelOption.real("dropout", 0.0, "dropout rate after each hidden layer (makes runs non-repeatable)"));
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        int hidden = spec.intValue("hidden");
        int second = spec.intValue("hidden2") == 0 ? hidden / 2 : spec.intValue("hidden2");
        double dropout = spec.doubleValue("dropout");
        spec.require(hidden >= 2, "hidden must be at least 2, got " + hidden);
        spec.require(second >= 1, "hidden2 must be positive (or 0 for half of hidden), got "
                + spec.intValue("hidden2"));
        spec.require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
        for (int units : new int[] {hidden, second}) {
            net.add(Linear.builder().setUnits(units).build()).add(Activation.reluBlock());
            if (dropout > 0) {
                net.add(Dropout.builder().optRate((float) dropout).build());
            }
        }
        return net.add(Linear.builder().setUnits(input.numClasses()).build());
    }
}
