/**
 * Settings of the native process a worker (or a driver that scores) runs in, as opposed to one
 * model: glibc malloc's tunables and fill, oneMKL's CPU dispatch and the guard against oneDNN's
 * padded-convolution fault. Each acts on, or advises about, the whole process.
 */
package dev.phalanx.engine.process;
