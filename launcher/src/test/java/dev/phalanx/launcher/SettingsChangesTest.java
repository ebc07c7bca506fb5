package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What counts as a changed setting between a run's job.conf and a new command. */
class SettingsChangesTest {

    @Test
    void theSameSettingWrittenAnotherWayIsNoChange() {
        String recorded = "epochs = 3\ncheckpoint_interval = 5m\nsample_shape = [1, 28, 28]\nshard_memory_budget = 512m\n"
                + "learning_rate = 0.05\nshuffle = true\n";
        // As --set leaves them: text.
        String now = "epochs = \"3\"\ncheckpoint_interval = \"300s\"\nsample_shape = \"1,28,28\"\n"
                + "shard_memory_budget = \"536870912\"\nlearning_rate = \"0.050\"\nshuffle = \"true\"\n";
        assertEquals(List.of(), SettingsChanges.between(recorded, now));
    }

    @Test
    void changesAreListedByKeyAsWritten() {
        assertEquals(List.of("epochs 3 -> 5", "learning_rate 0.05 -> 0.5"),
                SettingsChanges.between("learning_rate = 0.05\nepochs = 3\nseed = 42\n",
                        "seed = 42\nepochs = \"5\"\nlearning_rate = 0.5\n"));
    }

    @Test
    void keysOnlyOneSideRecordsAreNotChanges() {
        assertEquals(List.of(), SettingsChanges.between("model = mlp\n", "model = mlp\nepochs = 3\n"));
    }

    @Test
    void theRunDirectorySpeltAnotherWayIsNoChange() {
        assertEquals(List.of(), SettingsChanges.between("run_dir = runs/a\n", "run_dir = \"/work/runs/a\"\n"));
    }

    @Test
    void anUnreadableJobConfIsNamed() {
        ConfigError e = assertThrows(ConfigError.class, () -> SettingsChanges.between("epochs = [", "epochs = 3\n"));
        assertTrue(e.getMessage().startsWith("job.conf of the run directory cannot be read: "), e.getMessage());
    }
}
