package dev.phalanx.examples;

import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.phalanx.models.InputSpec;
import dev.phalanx.models.ModelDefinition;
import dev.phalanx.models.ModelOption;
import dev.phalanx.models.ModelSpec;
import java.util.List;

/**
 * A model family of one's own, registered through {@code
 * META-INF/services/dev.phalanx.models.ModelDefinition} in this jar: with the jar on the class path
 * it is {@code model = "softmax"} (or {@code softmax(bias=false)}), listed by {@code phalanx train
 * --help}, with a typed option, like the built-in families.
 */
public final class SoftmaxRegression implements ModelDefinition {

    @Override
    public String name() {
        return "softmax";
    }

    @Override
    public String description() {
        return "multinomial logistic regression: flatten, then one linear layer";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(ModelOption.flag("bias", true, "whether the layer adds a bias per class"));
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        return new SequentialBlock()
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(input.numClasses()).optBias(spec.booleanValue("bias")).build());
    }
}
