package dev.phalanx.engine.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutorLocalDirsTest {

    @Test
    void spillFilesGoWhereSparkPutsItsOwnLocalFiles() {
        assertEquals(List.of("/yarn/a", "/yarn/b"), ExecutorLocalDirs.resolve(
                Map.of("CONTAINER_ID", "c1", "LOCAL_DIRS", "/yarn/a,/yarn/b", "SPARK_LOCAL_DIRS", "/s"), "/conf", "/tmp"));
        assertEquals(List.of("/work/app/1", "/work/app/2"), ExecutorLocalDirs.resolve(
                Map.of("LOCAL_DIRS", "/not-yarn", "SPARK_EXECUTOR_DIRS", "/work/app/1:/work/app/2", "SPARK_LOCAL_DIRS", "/s"),
                "/conf", "/tmp"));
        assertEquals(List.of("/s1", "/s2"), ExecutorLocalDirs.resolve(Map.of("SPARK_LOCAL_DIRS", "/s1, /s2"), "/conf", "/tmp"));
        assertEquals(List.of("/conf"), ExecutorLocalDirs.resolve(Map.of("SPARK_LOCAL_DIRS", " "), "/conf", "/tmp"));
        assertEquals(List.of("/tmp"), ExecutorLocalDirs.resolve(Map.of(), null, "/tmp"));
    }
}
