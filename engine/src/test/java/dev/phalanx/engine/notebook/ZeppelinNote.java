package dev.phalanx.engine.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Zeppelin note read from its {@code .zpln} JSON: its name and its paragraphs in order, each
 * split into the interpreter named on its first line ({@code %spark}, {@code %md}, …) and the code
 * below it.
 *
 * @param name the note's name
 * @param paragraphs its paragraphs, in order
 */
record ZeppelinNote(String name, List<Paragraph> paragraphs) {

    /**
     * One paragraph.
     *
     * @param title the paragraph's title, or its position when it has none
     * @param interpreter the interpreter without the {@code %}, for example {@code spark} or {@code md}
     * @param code the text after the interpreter line
     */
    record Paragraph(String title, String interpreter, String code) {}

    /** Reads a note. */
    static ZeppelinNote read(Path file) throws IOException {
        JsonNode note = new ObjectMapper().readTree(file.toFile());
        List<Paragraph> paragraphs = new ArrayList<>();
        for (JsonNode paragraph : note.path("paragraphs")) {
            String text = paragraph.path("text").asText("");
            String title = paragraph.path("title").asText("paragraph " + (paragraphs.size() + 1));
            int newline = text.indexOf('\n');
            String first = (newline < 0 ? text : text.substring(0, newline)).trim();
            String code = newline < 0 ? "" : text.substring(newline + 1);
            String interpreter = first.startsWith("%") ? first.substring(1).trim() : "";
            paragraphs.add(new Paragraph(title, interpreter, code));
        }
        return new ZeppelinNote(note.path("name").asText(file.getFileName().toString()), paragraphs);
    }
}
