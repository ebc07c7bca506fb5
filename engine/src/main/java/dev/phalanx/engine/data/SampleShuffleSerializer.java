package dev.phalanx.engine.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.Serializer;
import org.apache.spark.serializer.SerializerInstance;
import scala.reflect.ClassTag;

/**
 * The serializer of the shard shuffle, whose records are (position, {@link LabeledSample}) pairs:
 * a position as 8 bytes, a sample as its label, its length and its features' raw float32 bytes,
 * copied in bulk. Why not Spark's default, Java serialization: it writes each float through an
 * object stream, which in a fresh JVM (a job's first shuffle) took seconds for Fashion-MNIST's
 * 60 000 samples, and adds an object header to every record. Only the shuffle that builds the
 * shards uses it ({@link Sharding}); the session's own serializer is left alone.
 */
final class SampleShuffleSerializer extends Serializer implements java.io.Serializable {

    private static final long serialVersionUID = 1L;
    private static final byte POSITION = 'P';
    private static final byte SAMPLE = 'S';
    private static final int BUFFER = 64 * 1024;

    @Override
    public SerializerInstance newInstance() {
        return new Instance();
    }

    /** Streams only: the shuffle never serializes a single object. */
    private static final class Instance extends SerializerInstance {

        @Override
        public <T> ByteBuffer serialize(T t, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer writes streams only");
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer reads streams only");
        }

        @Override
        public <T> T deserialize(ByteBuffer bytes, ClassLoader loader, ClassTag<T> tag) {
            throw new UnsupportedOperationException("the shard shuffle serializer reads streams only");
        }

        @Override
        public SerializationStream serializeStream(OutputStream stream) {
            return new Writer(stream);
        }

        @Override
        public DeserializationStream deserializeStream(InputStream stream) {
            return new Reader(stream);
        }
    }

    private static final class Writer extends SerializationStream {
        private final DataOutputStream out;
        private ByteBuffer scratch = ByteBuffer.allocate(0);

        Writer(OutputStream stream) {
            this.out = new DataOutputStream(new BufferedOutputStream(stream, BUFFER));
        }

        @Override
        public <T> SerializationStream writeObject(T value, ClassTag<T> tag) {
            try {
                if (value instanceof Long position) {
                    out.writeByte(POSITION);
                    out.writeLong(position);
                } else if (value instanceof LabeledSample sample) {
                    float[] features = sample.features();
                    int bytes = features.length * Float.BYTES;
                    if (scratch.capacity() < bytes) {
                        scratch = ByteBuffer.allocate(bytes);
                    }
                    scratch.clear();
                    scratch.asFloatBuffer().put(features);
                    out.writeByte(SAMPLE);
                    out.writeInt(sample.label());
                    out.writeInt(features.length);
                    out.write(scratch.array(), 0, bytes);
                } else {
                    throw new IllegalArgumentException("the shard shuffle carries positions and samples, not "
                            + (value == null ? "null" : value.getClass().getName()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        @Override
        public void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                out.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class Reader extends DeserializationStream {
        private final DataInputStream in;
        private ByteBuffer scratch = ByteBuffer.allocate(0);

        Reader(InputStream stream) {
            this.in = new DataInputStream(new BufferedInputStream(stream, BUFFER));
        }

        /**
         * Reads the next position or sample. At the end of the stream it throws {@link
         * java.io.EOFException} unwrapped, as Spark's key-value iterator expects; Scala methods
         * may throw checked exceptions, and this one is declared so for Java's sake.
         */
        @Override
        @SuppressWarnings("unchecked")
        public <T> T readObject(ClassTag<T> tag) {
            try {
                byte type = in.readByte();
                if (type == POSITION) {
                    return (T) Long.valueOf(in.readLong());
                }
                if (type != SAMPLE) {
                    throw new IOException("the shard shuffle's data is damaged: record type " + type);
                }
                int label = in.readInt();
                int length = in.readInt();
                int bytes = Math.multiplyExact(length, Float.BYTES);
                if (scratch.capacity() < bytes) {
                    scratch = ByteBuffer.allocate(bytes);
                }
                in.readFully(scratch.array(), 0, bytes);
                float[] features = new float[length];
                scratch.clear();
                scratch.asFloatBuffer().get(features);
                return (T) new LabeledSample(features, label);
            } catch (java.io.EOFException e) {
                throw sneaky(e);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Rethrows a checked exception unchecked, as Scala code may: Spark ends its iteration on an EOFException. */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }
}
