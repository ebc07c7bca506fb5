package dev.phalanx.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The network of {@link TransformerClassifier}: token plus learned position embeddings, a stack of
 * {@link EncoderLayer}s that attend only to real tokens, a final layer norm, the mean over the real
 * tokens, and one logit per class. Input: token ids {@code (B, L)} as floats, {@link
 * FeatureDomain#PAD} for padding.
 */
final class TextTransformer extends AbstractBlock {

    private final int sequenceLength;
    private final IdEmbedding tokens;
    private final IdEmbedding positions;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalNorm;
    private final Linear classifier;

    TextTransformer(int vocabulary, int sequenceLength, int embeddingSize, int heads, int feedForwardSize,
            int layerCount, int classes) {
        this.sequenceLength = sequenceLength;
        tokens = addChildBlock("tokens",
                new IdEmbedding.Builder().setDictionarySize(vocabulary).setEmbeddingSize(embeddingSize).build());
        positions = addChildBlock("positions",
                new IdEmbedding.Builder().setDictionarySize(sequenceLength).setEmbeddingSize(embeddingSize).build());
        for (int i = 0; i < layerCount; i++) {
            layers.add(addChildBlock("layer" + i, new EncoderLayer(embeddingSize, heads, feedForwardSize)));
        }
        finalNorm = addChildBlock("finalNorm", LayerNorm.builder().axis(2).build());
        classifier = addChildBlock("classifier", Linear.builder().setUnits(classes).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow().toType(DataType.INT64, false);
        NDManager manager = ids.getManager();
        long batch = ids.getShape().get(0);
        NDArray real = ids.neq(FeatureDomain.PAD).toType(DataType.FLOAT32, false); // (B, L)
        NDArray x = tokens.forward(ps, new NDList(ids), training).singletonOrThrow()
                .add(positions.forward(ps, new NDList(manager.arange(sequenceLength).toType(DataType.INT64, false)
                        .reshape(1, sequenceLength)), training).singletonOrThrow());
        // Every query may attend to every real key; padded keys are masked out.
        NDArray mask = real.reshape(batch, 1, sequenceLength).repeat(1, sequenceLength);
        NDList h = new NDList(x, mask);
        for (EncoderLayer layer : layers) {
            h = layer.forward(ps, h, training);
        }
        NDArray normed = finalNorm.forward(ps, new NDList(h.get(0)), training).singletonOrThrow();
        NDArray summed = normed.mul(real.expandDims(2)).sum(new int[] {1});
        NDArray counts = real.sum(new int[] {1}, true).maximum(1f);
        return classifier.forward(ps, new NDList(summed.div(counts)), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), classifier.getOutputShapes(
                new Shape[] {new Shape(1, 1)})[0].get(1))};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        long batch = inputShapes[0].get(0);
        tokens.initialize(manager, dataType, inputShapes[0]);
        positions.initialize(manager, dataType, new Shape(1, sequenceLength));
        Shape embedded = new Shape(batch, sequenceLength, tokens.getOutputShapes(new Shape[] {new Shape(1, 1)})[0].get(2));
        for (EncoderLayer layer : layers) {
            layer.initialize(manager, dataType, embedded, new Shape(batch, sequenceLength, sequenceLength));
        }
        finalNorm.initialize(manager, dataType, embedded);
        classifier.initialize(manager, dataType, new Shape(batch, embedded.get(2)));
    }
}
