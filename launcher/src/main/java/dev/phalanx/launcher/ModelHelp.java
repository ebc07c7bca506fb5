package dev.phalanx.launcher;

import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelDefinition;
import dev.phalanx.models.ModelOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The models {@code phalanx train --help} lists: every family on the class path (the built-in ones
 * and any a jar given with {@code --jars} registers), each with its options, then how to name a
 * network of one's own.
 */
final class ModelHelp {

    /** The width the footer's lines are wrapped to; the command's help is as wide. */
    static final int WIDTH = 110;

    private ModelHelp() {}

    /** Returns the help's footer lines. */
    static List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Models (model = name or name(option=value, ...); options also in a model_options { } block):");
        try {
            for (ModelDefinition family : ModelCatalog.all().values()) {
                wrap(lines, String.format(Locale.ROOT, "  %-12s %s", family.name(), family.description()), 15);
                for (ModelOption option : family.options()) {
                    Object value = option.defaultValue();
                    wrap(lines, String.format(Locale.ROOT, "  %-12s   %s = %s: %s", "", option.name(),
                            "".equals(value) ? "\"\"" : value, option.description()), 17);
                }
            }
        } catch (IllegalStateException e) {
            lines.add("  (the model families on the class path cannot be listed: " + e.getMessage() + ")");
        }
        wrap(lines, String.format(Locale.ROOT, "  %-12s %s", "class:NAME",
                "your own dev.phalanx.models.BlockFactory class, from a jar given with --jars"), 15);
        return lines;
    }

    /** Adds {@code text} as lines of at most {@link #WIDTH} characters, continued after {@code indent} spaces. */
    private static void wrap(List<String> lines, String text, int indent) {
        String rest = text;
        while (rest.length() > WIDTH) {
            int cut = rest.lastIndexOf(' ', WIDTH);
            if (cut <= indent) {
                break;
            }
            lines.add(rest.substring(0, cut));
            rest = " ".repeat(indent) + rest.substring(cut + 1);
        }
        lines.add(rest);
    }
}
