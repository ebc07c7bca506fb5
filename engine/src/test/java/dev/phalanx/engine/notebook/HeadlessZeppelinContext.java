package dev.phalanx.engine.notebook;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The part of Zeppelin's {@code z} object the notes use: {@code z.show(df)} renders a DataFrame
 * the way Zeppelin does — a {@code %table} block of tab-separated columns, which Zeppelin draws as
 * a table or chart — and, here, also keeps it so a test can look at what a note displayed.
 */
public final class HeadlessZeppelinContext {

    private static final int DEFAULT_MAX_ROWS = 1000;

    private final PrintStream out;
    private final List<List<Row>> shown = new ArrayList<>();

    HeadlessZeppelinContext(PrintStream out) {
        this.out = out;
    }

    /** Displays up to 1000 rows of {@code data} as a table. */
    public void show(Dataset<?> data) {
        show(data, DEFAULT_MAX_ROWS);
    }

    /** Displays up to {@code maxRows} rows of {@code data} as a table. */
    public void show(Dataset<?> data, int maxRows) {
        Dataset<Row> frame = data.toDF();
        List<Row> rows = frame.limit(maxRows).collectAsList();
        StringBuilder table = new StringBuilder("%table ").append(String.join("\t", frame.columns())).append('\n');
        for (Row row : rows) {
            for (int i = 0; i < row.length(); i++) {
                table.append(i == 0 ? "" : "\t").append(row.isNullAt(i) ? "null" : row.get(i));
            }
            table.append('\n');
        }
        out.print(table);
        shown.add(rows);
    }

    /** Returns every table shown so far, in order. */
    List<List<Row>> shown() {
        return shown;
    }
}
