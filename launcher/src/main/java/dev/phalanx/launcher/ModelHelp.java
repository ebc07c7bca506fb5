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

    private ModelHelp() {}

    /** Returns the help's footer lines. */
    static List<String> lines() {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Models (model = name or name(option=value, ...); options also in a model_options { } block):");
        try {
            for (ModelDefinition family : ModelCatalog.all().values()) {
                lines.add(String.format(Locale.ROOT, "  %-12s %s", family.name(), family.description()));
                for (ModelOption option : family.options()) {
                    lines.add(String.format(Locale.ROOT, "  %-12s   %s = %s: %s", "", option.name(),
                            option.defaultValue(), option.description()));
                }
            }
        } catch (IllegalStateException e) {
            lines.add("  (the model families on the class path cannot be listed: " + e.getMessage() + ")");
        }
        lines.add(String.format(Locale.ROOT, "  %-12s %s", "class:NAME",
                "your own dev.phalanx.models.BlockFactory class, from a jar given with --jars"));
        return lines;
    }
}
