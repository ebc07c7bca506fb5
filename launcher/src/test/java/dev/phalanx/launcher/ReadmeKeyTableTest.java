package dev.phalanx.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.phalanx.engine.api.options.OptionKey;
import dev.phalanx.engine.api.options.OptionType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The README's job-configuration table against the registry ({@link JobKeys}): every key has a row
 * and every row a key, with the key's type and default, read back from the README's own text.
 */
class ReadmeKeyTableTest {

    private static final Path README = Path.of("..", "README.md");

    /** One row: key, type and default as the README writes them. */
    private record Row(String key, String type, String defaultText) {}

    @Test
    void everyKeyHasARowWithItsTypeAndDefaultAndEveryRowAKey() throws IOException {
        Map<String, Row> rows = table();
        List<String> problems = new ArrayList<>();
        for (OptionKey<?> key : JobKeys.all()) {
            Row row = rows.remove(key.name());
            if (row == null) {
                problems.add(key.name() + ": no row in the README's table");
                continue;
            }
            String type = key.type().name().toLowerCase(Locale.ROOT).replace('_', ' ');
            if (!row.type().equals(type)) {
                problems.add(key.name() + ": README says type " + row.type() + ", the registry " + type);
            }
            if (!sameDefault(key, row.defaultText())) {
                problems.add(key.name() + ": README says default " + row.defaultText() + ", the registry "
                        + key.defaultText());
            }
        }
        rows.keySet().forEach(extra -> problems.add(extra + ": a README row for a key the registry does not have"));
        assertEquals(List.of(), problems);
    }

    @Test
    void theTableIsFoundAndRead() throws IOException {
        Map<String, Row> rows = table();
        assertTrue(rows.size() >= 40, "rows read: " + rows.keySet());
        assertEquals(new Row("collective_timeout", "duration", "2m"), rows.get("collective_timeout"));
        assertEquals(new Row("run_dir", "string", "empty"), rows.get("run_dir"));
    }

    /** Whether the README's default, read as the key's type, is the registry's default value. */
    private static boolean sameDefault(OptionKey<?> key, String readme) {
        Object value = key.type().parse(readme.equals("empty") ? "" : readme);
        Object expected = key.defaultValue();
        if (key.type() == OptionType.INT_LIST) {
            assertArrayEquals((int[]) expected, (int[]) value, key.name());
            return true;
        }
        if (key.type() == OptionType.DOUBLE_LIST) {
            assertArrayEquals((double[]) expected, (double[]) value, key.name());
            return true;
        }
        if (key.type() == OptionType.STRING_LIST) {
            assertArrayEquals((String[]) expected, (String[]) value, key.name());
            return true;
        }
        return expected.equals(value);
    }

    /** The rows of the table under "### Job configuration", by key. */
    private static Map<String, Row> table() throws IOException {
        List<String> lines = Files.readAllLines(README);
        int start = lines.indexOf("### Job configuration");
        assertTrue(start >= 0, "README has no '### Job configuration' section");
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                break;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.split("\\|");
            String key = unquote(cells[1]);
            rows.put(key, new Row(key, cells[2].trim(), unquote(cells[3])));
        }
        return rows;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }
}
