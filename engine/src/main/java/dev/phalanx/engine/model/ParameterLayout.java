package dev.phalanx.engine.model;

import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;

/**
 * A model's parameters in flat order: each one's name (DJL's, such as {@code 01Linear_weight}, or a
 * TorchScript module's, such as {@code fc1.weight}) and shape. Checkpoints record the shapes, so a
 * resume can tell another model; {@code freeze} and {@code init_from} go by the names and shapes.
 *
 * @param names every parameter's name
 * @param shapes every parameter's shape, in the same order
 */
public record ParameterLayout(List<String> names, List<Shape> shapes) {

    /** Copies the lists. */
    public ParameterLayout {
        names = List.copyOf(names);
        shapes = List.copyOf(shapes);
    }

    /** Returns the shapes as checkpoints record them, for example {@code "(256, 784) (256) …"}. */
    public String shapesText() {
        StringBuilder text = new StringBuilder();
        for (Shape shape : shapes) {
            text.append(text.length() == 0 ? "" : " ").append(shape);
        }
        return text.toString();
    }

    /** Returns every parameter's number of values. */
    public List<Long> sizes() {
        List<Long> sizes = new ArrayList<>();
        shapes.forEach(shape -> sizes.add(shape.size()));
        return sizes;
    }

    /** Returns the number of values of all parameters together. */
    public long count() {
        return sizes().stream().mapToLong(Long::longValue).sum();
    }
}
