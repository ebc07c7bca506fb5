/**
 * A DJL model whose parameters live in one flat Java-owned buffer, with the forward, backward and
 * gradient access the training loop needs, and the inference the driver needs.
 */
package dev.phalanx.engine.model;
