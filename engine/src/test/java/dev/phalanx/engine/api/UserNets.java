package dev.phalanx.engine.api;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.phalanx.models.BlockFactory;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelSpec;

/** Networks as a user writes them, with {@link BlockFactory}, for the tests of user models. */
public final class UserNets {

    private UserNets() {}

    /** Flatten, {@code hidden} (default 24) tanh units, then one output per class. */
    public static final class TanhNet implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return new SequentialBlock()
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(options.intValue("hidden", 24)).build())
                    .add(Activation.tanhBlock())
                    .add(Linear.builder().setUnits(input.numClasses()).build());
        }
    }

    /** No parameters at all. */
    public static final class NoParameters implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return Blocks.batchFlattenBlock();
        }
    }

    /** One output too many. */
    public static final class WrongOutputs implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return new SequentialBlock().add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(input.numClasses() + 1).build());
        }
    }

    /** A block that cannot run on this input (a layer that insists on a GPU, say). */
    public static final class FailsOnThisInput implements BlockFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public Block build(InputSpec input, ModelSpec options) {
            return new SequentialBlock()
                    .add(Linear.builder().setUnits(input.numClasses()).build())
                    .add(new LambdaBlock(list -> {
                        throw new IllegalStateException("this layer needs a GPU");
                    }));
        }
    }
}
