package dev.phalanx.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.List;

/**
 * A LeNet-style convolutional network for images shaped {@code [channels, height, width]}: two
 * blocks of 3x3 convolution ({@code filters}, then twice as many), optional batch normalisation,
 * ReLU and 2x2 max-pooling, then {@code dense} ReLU units, optional dropout, and one logit per
 * class. The defaults are the PyTorch peer's {@code cnn}.
 */
public final class SmallCnn implements ModelDefinition {

    @Override
    public String name() {
        return "cnn";
    }

    @Override
    public String description() {
        return "LeNet-style CNN: conv-pool-conv-pool-dense for [C,H,W] images";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(
                ModelOption.integer("filters", 32, "filters of the first convolution; the second has twice as many"),
                ModelOption.integer("dense", 128, "units of the dense layer"),
                ModelOption.flag("batch_norm", false, "batch normalisation after each convolution"),
                ModelOption.real("dropout", 0.0, "dropout rate before the output layer (makes runs non-repeatable)"));
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        long[] shape = input.sampleShape();
        if (shape.length != 3 || shape[1] < 4 || shape[2] < 4) {
            throw new IllegalArgumentException(
                    "model 'cnn' needs image samples shaped [channels, height, width] of at least 4x4,"
                            + " got " + Arrays.toString(shape));
        }
        int filters = spec.intValue("filters");
        int dense = spec.intValue("dense");
        double dropout = spec.doubleValue("dropout");
        spec.require(filters >= 1 && dense >= 1, "filters and dense must be positive");
        spec.require(dropout >= 0 && dropout < 1, "dropout must be in [0, 1), got " + dropout);
        boolean batchNorm = spec.booleanValue("batch_norm");
        SequentialBlock net = new SequentialBlock();
        for (int f : new int[] {filters, 2 * filters}) {
            net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(f).build());
            if (batchNorm) {
                net.add(BatchNorm.builder().build());
            }
            net.add(Activation.reluBlock()).add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)));
        }
        net.add(Blocks.batchFlattenBlock()).add(Linear.builder().setUnits(dense).build()).add(Activation.reluBlock());
        if (dropout > 0) {
            net.add(Dropout.builder().optRate((float) dropout).build());
        }
        return net.add(Linear.builder().setUnits(input.numClasses()).build());
    }
}
