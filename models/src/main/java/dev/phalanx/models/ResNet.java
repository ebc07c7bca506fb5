package dev.phalanx.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.List;

/**
 * ResNet-18 (or -34) with basic residual blocks, adapted to small images such as 28x28x1 or
 * 32x32x3: a 3x3 stride-1 stem without max-pooling (the ImageNet stem's 7x7 stride-2 convolution
 * and pooling would shrink a 28-pixel image to 7 pixels before the first block), then four stages
 * of {@code width}, 2, 4 and 8 times {@code width} filters, the last three halving the resolution,
 * global average pooling and one logit per class.
 */
public final class ResNet implements ModelDefinition {

    private static final int[] BLOCKS_18 = {2, 2, 2, 2};
    private static final int[] BLOCKS_34 = {3, 4, 6, 3};

    @Override
    public String name() {
        return "resnet";
    }

    @Override
    public String description() {
        return "ResNet-18/34 with basic blocks and a small-image stem, for [C,H,W] images";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(
                ModelOption.integer("depth", 18, "18 or 34 layers"),
                ModelOption.integer("width", 64, "filters of the first stage; each later stage doubles them"));
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        long[] shape = input.sampleShape();
        if (shape.length != 3 || shape[1] < 8 || shape[2] < 8) {
            throw new IllegalArgumentException("model 'resnet' needs image samples shaped [channels, height, width]"
                    + " of at least 8x8, got " + Arrays.toString(shape));
        }
        int depth = spec.intValue("depth");
        int width = spec.intValue("width");
        spec.require(depth == 18 || depth == 34, "depth must be 18 or 34, got " + depth);
        spec.require(width >= 1, "width must be positive, got " + width);
        int[] blocks = depth == 18 ? BLOCKS_18 : BLOCKS_34;
        SequentialBlock net = new SequentialBlock()
                .add(conv(width, 3, 1))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock());
        int inFilters = width;
        for (int stage = 0; stage < blocks.length; stage++) {
            int filters = width << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                net.add(basicBlock(filters, stride, inFilters != filters || stride != 1));
                inFilters = filters;
            }
        }
        return net.add(Pool.globalAvgPool2dBlock())
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(input.numClasses()).build());
    }

    /** Two 3x3 convolutions with batch norm, added to the input (projected when its shape changes). */
    private static Block basicBlock(int filters, int stride, boolean project) {
        SequentialBlock residual = new SequentialBlock()
                .add(conv(filters, 3, stride))
                .add(BatchNorm.builder().build())
                .add(Activation.reluBlock())
                .add(conv(filters, 3, 1))
                .add(BatchNorm.builder().build());
        SequentialBlock shortcut = new SequentialBlock();
        if (project) {
            shortcut.add(conv(filters, 1, stride)).add(BatchNorm.builder().build());
        } else {
            shortcut.add(Blocks.identityBlock());
        }
        return new ParallelBlock(
                outputs -> new NDList(Activation.relu(
                        outputs.get(0).singletonOrThrow().add(outputs.get(1).singletonOrThrow()))),
                List.of(residual, shortcut));
    }

    private static Block conv(int filters, int kernel, int stride) {
        return Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(kernel / 2, kernel / 2))
                .optBias(false)
                .setFilters(filters)
                .build();
    }
}
