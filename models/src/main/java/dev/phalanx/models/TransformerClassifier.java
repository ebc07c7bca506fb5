package dev.phalanx.models;

import ai.djl.nn.Block;
import java.util.Arrays;
import java.util.List;

/**
 * A Transformer encoder over token ids for sequence classification. Samples are sequences of
 * {@code L} token ids (the input shape {@code [L]}), padded with {@link FeatureDomain#PAD}, which
 * the network ignores; rows longer than {@code L} are cut. See {@link TextTransformer}.
 */
public final class TransformerClassifier implements ModelDefinition {

    @Override
    public String name() {
        return "transformer";
    }

    @Override
    public String description() {
        return "Transformer encoder over token ids [L] for sequence classification";
    }

    @Override
    public List<ModelOption> options() {
        return List.of(
                ModelOption.integer("vocab_size", 30000, "number of token ids, 0 (padding) included"),
                ModelOption.integer("embedding_size", 64, "width of the token embeddings"),
                ModelOption.integer("heads", 4, "attention heads; must divide embedding_size"),
                ModelOption.integer("feed_forward_size", 256, "hidden units of each layer's feed-forward block"),
                ModelOption.integer("layers", 2, "encoder layers"));
    }

    @Override
    public FeatureDomain inputDomain(ModelSpec spec) {
        int vocabulary = spec.intValue("vocab_size");
        spec.require(vocabulary >= 2 && vocabulary <= FeatureDomain.MAX_VOCABULARY,
                "vocab_size must be in [2, " + FeatureDomain.MAX_VOCABULARY + "], got " + vocabulary);
        return FeatureDomain.tokens(vocabulary);
    }

    @Override
    public Block build(InputSpec input, ModelSpec spec) {
        long[] shape = input.sampleShape();
        if (shape.length != 1) {
            throw new IllegalArgumentException("model 'transformer' needs samples shaped [sequence_length] of token ids,"
                    + " got " + Arrays.toString(shape));
        }
        int embedding = spec.intValue("embedding_size");
        int heads = spec.intValue("heads");
        int feedForward = spec.intValue("feed_forward_size");
        int layers = spec.intValue("layers");
        spec.require(embedding >= 1 && heads >= 1 && embedding % heads == 0,
                "heads (" + heads + ") must divide embedding_size (" + embedding + ")");
        spec.require(feedForward >= 1 && layers >= 1, "feed_forward_size and layers must be positive");
        return new TextTransformer(inputDomain(spec).vocabulary(), Math.toIntExact(shape[0]), embedding, heads,
                feedForward, layers, input.numClasses());
    }
}
