package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.MiniHdfs;
import org.apache.hadoop.conf.Configuration;

/** The lease contract on a real in-process HDFS. */
class HdfsDirectoryLeaseTest extends DirectoryLeaseContract {

    @Override
    String freshDirectory() {
        return MiniHdfs.uri() + "/leases";
    }

    @Override
    Configuration configuration() {
        return MiniHdfs.configuration();
    }
}
