/**
 * A user's own networks, in a jar of their own: {@link dev.phalanx.examples.WideMlp}, a {@code
 * BlockFactory} named by its class, and {@link dev.phalanx.examples.SoftmaxRegression}, a model
 * family registered through {@code ServiceLoader}.
 */
package dev.phalanx.examples;
