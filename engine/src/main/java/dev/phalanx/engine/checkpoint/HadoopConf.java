package dev.phalanx.engine.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/**
 * A Hadoop {@link Configuration} that travels inside a task closure: the driver's settings (for
 * example HDFS client or S3 credentials providers) reach the executors that write checkpoints.
 */
public final class HadoopConf implements Serializable {

    private final byte[] bytes;
    private transient Configuration configuration;

    /** Captures {@code configuration} as it is now. */
    public HadoopConf(Configuration configuration) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DataOutputStream data = new DataOutputStream(out)) {
            configuration.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.bytes = out.toByteArray();
    }

    /** Returns the configuration, rebuilt on first use after deserialisation. */
    public synchronized Configuration get() {
        if (configuration == null) {
            Configuration rebuilt = new Configuration(false);
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                rebuilt.readFields(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            configuration = rebuilt;
        }
        return configuration;
    }
}
