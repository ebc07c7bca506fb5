package dev.phalanx.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;

/**
 * A small convolutional network for images shaped {@code [channels, height, width]}: two blocks of
 * 3x3 convolution (32 then 64 filters), ReLU and 2x2 max-pooling, then 128 ReLU units and one logit
 * per class. Same layers as the PyTorch peer's {@code cnn}.
 */
public final class SmallCnn implements ModelDefinition {

    @Override
    public String name() {
        return "cnn";
    }

    @Override
    public String description() {
        return "small CNN: conv32-pool-conv64-pool-fc128 for [C,H,W] images";
    }

    @Override
    public Block build(InputSpec input) {
        long[] shape = input.sampleShape();
        if (shape.length != 3 || shape[1] < 4 || shape[2] < 4) {
            throw new IllegalArgumentException(
                    "model 'cnn' needs image samples shaped [channels, height, width] of at least 4x4,"
                            + " got " + Arrays.toString(shape));
        }
        return new SequentialBlock()
                .add(conv(32))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(conv(64))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(128).build())
                .add(Activation.reluBlock())
                .add(Linear.builder().setUnits(input.numClasses()).build());
    }

    private static Block conv(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(3, 3))
                .optPadding(new Shape(1, 1))
                .setFilters(filters)
                .build();
    }
}
