package dev.phalanx.engine.checkpoint;

import dev.phalanx.engine.MiniHdfs;
import org.apache.hadoop.conf.Configuration;

/** The checkpoint contract on a real in-process HDFS. */
class HdfsCheckpointStoreTest extends CheckpointStoreContract {

    @Override
    String freshDirectory() {
        return MiniHdfs.uri() + "/checkpoints";
    }

    @Override
    Configuration configuration() {
        return MiniHdfs.configuration();
    }
}
