package dev.phalanx.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.apache.spark.serializer.DeserializationStream;
import org.apache.spark.serializer.SerializationStream;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.Tuple2;
import scala.collection.Iterator;
import scala.reflect.ClassTag$;

/**
 * The shard shuffle's serializer through Spark's own stream API: pairs written with {@code
 * writeKey}/{@code writeValue} come back from {@code asKeyValueIterator}, which ends at the end of
 * the stream (Spark stops on an EOFException), with every float bit intact (NaN payloads, -0).
 */
class SampleShuffleSerializerTest {

    @Test
    void pairsComeBackExactlyAndTheIteratorEndsAtTheStreamsEnd() {
        SerializerInstance serializer = new SampleShuffleSerializer().newInstance();
        float[][] features = {{1.5f, -0f, Float.intBitsToFloat(0x7fc00001), Float.MIN_VALUE}, {}, new float[784]};
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SerializationStream out = serializer.serializeStream(bytes);
        for (int i = 0; i < features.length; i++) {
            out.writeKey(Long.valueOf(1L << 40 | i), ClassTag$.MODULE$.Any());
            out.writeValue(new LabeledSample(features[i], i * 7), ClassTag$.MODULE$.Any());
        }
        out.close();
        DeserializationStream in = serializer.deserializeStream(new ByteArrayInputStream(bytes.toByteArray()));
        Iterator<Tuple2<Object, Object>> pairs = in.asKeyValueIterator();
        for (int i = 0; i < features.length; i++) {
            Tuple2<Object, Object> pair = pairs.next();
            assertEquals(1L << 40 | i, pair._1());
            LabeledSample sample = (LabeledSample) pair._2();
            assertEquals(i * 7, sample.label());
            int[] expected = new int[features[i].length];
            int[] actual = new int[sample.features().length];
            for (int j = 0; j < expected.length; j++) {
                expected[j] = Float.floatToRawIntBits(features[i][j]);
                actual[j] = Float.floatToRawIntBits(sample.features()[j]);
            }
            assertArrayEquals(expected, actual);
        }
        assertFalse(pairs.hasNext());
        assertThrows(IllegalArgumentException.class,
                () -> serializer.serializeStream(new ByteArrayOutputStream()).writeObject("text", ClassTag$.MODULE$.Any()));
    }
}
