package dev.phalanx.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/**
 * One real in-process HDFS (a NameNode and a DataNode) for all tests of a JVM, started on first use
 * (about 5 s) and stopped at exit.
 */
public final class MiniHdfs {

    private static MiniDFSCluster cluster;

    private MiniHdfs() {}

    /** Returns the cluster's base URI, for example {@code hdfs://localhost:41234}. */
    public static synchronized String uri() {
        if (cluster == null) {
            try {
                Configuration conf = new Configuration();
                conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR,
                        Files.createTempDirectory("phalanx-minidfs").toString());
                cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
                cluster.waitActive();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown));
        }
        return cluster.getURI().toString();
    }

    /** Returns a configuration that reaches the cluster. */
    public static synchronized Configuration configuration() {
        uri();
        return cluster.getConfiguration(0);
    }
}
