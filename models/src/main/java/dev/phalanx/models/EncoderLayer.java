package dev.phalanx.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.transformer.PointwiseFeedForwardBlock;
import ai.djl.nn.transformer.ScaledDotProductAttentionBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;

/**
 * One pre-norm Transformer encoder layer: {@code x + attention(norm(x))}, then {@code x +
 * feedForward(norm(x))}. Pre-norm rather than DJL's own encoder block (which normalises with batch
 * norm after each residual) because it trains stably without warm-up at the small sizes and batches
 * data-parallel runs use per worker.
 *
 * <p>Input: {@code [embeddings (B, L, E), attention mask (B, L, L), 1 to attend, 0 to ignore]};
 * output: the new embeddings and the same mask, so layers chain in a {@code SequentialBlock}.
 */
final class EncoderLayer extends AbstractBlock {

    private final ScaledDotProductAttentionBlock attention;
    private final LayerNorm attentionNorm;
    private final PointwiseFeedForwardBlock feedForward;
    private final LayerNorm feedForwardNorm;

    EncoderLayer(int embeddingSize, int heads, int feedForwardSize) {
        attentionNorm = addChildBlock("attentionNorm", LayerNorm.builder().axis(2).build());
        attention = addChildBlock("attention", ScaledDotProductAttentionBlock.builder()
                .setEmbeddingSize(embeddingSize)
                .setHeadCount(heads)
                .optAttentionProbsDropoutProb(0f)
                .build());
        feedForwardNorm = addChildBlock("feedForwardNorm", LayerNorm.builder().axis(2).build());
        feedForward = addChildBlock("feedForward",
                new PointwiseFeedForwardBlock(List.of(feedForwardSize), embeddingSize, Activation::relu));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray mask = inputs.get(1);
        NDArray normed = attentionNorm.forward(ps, new NDList(x), training).singletonOrThrow();
        NDArray attended = attention.forward(ps, new NDList(normed, mask), training).singletonOrThrow();
        NDArray h = x.add(attended);
        NDArray fed = feedForward.forward(ps, feedForwardNorm.forward(ps, new NDList(h), training), training)
                .singletonOrThrow();
        return new NDList(h.add(fed), mask);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        attentionNorm.initialize(manager, dataType, inputShapes[0]);
        attention.initialize(manager, dataType, inputShapes[0]);
        feedForwardNorm.initialize(manager, dataType, inputShapes[0]);
        feedForward.initialize(manager, dataType, inputShapes[0]);
    }
}
