package dev.phalanx.engine.checkpoint;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.io.TempDir;

/** The lease contract on the local file system ({@code file://}). */
class LocalDirectoryLeaseTest extends DirectoryLeaseContract {

    @TempDir
    Path temp;

    @Override
    String freshDirectory() {
        return temp.toUri().toString();
    }

    @Override
    Configuration configuration() {
        return new Configuration();
    }
}
