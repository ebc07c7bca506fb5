package dev.phalanx.engine.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.feature.CountVectorizer;
import org.apache.spark.ml.feature.CountVectorizerModel;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A real text-classification corpus from a Debian package: the fortune cookies of {@code fortunes}
 * ({@code /usr/share/games/fortunes}), one file per category, cookies separated by lines holding
 * just {@code %}. The task: tell from a cookie's words which category it comes from.
 *
 * <p>Text becomes token ids with Spark ML — {@code RegexTokenizer} (lower-case words) and a {@code
 * CountVectorizer} vocabulary of the most frequent training words — so the same steps run on any
 * DataFrame of text: id 0 pads, id 1 stands for a word outside the vocabulary, ids 2 and up are
 * the vocabulary's words by falling frequency. Every fifth cookie of each file is held out for
 * testing.
 */
public final class FortuneCookies {

    /** Where Debian's {@code fortunes} puts the files. */
    public static final String DEBIAN_DIR = "/usr/share/games/fortunes";
    /** The default categories: the four largest topical files. */
    public static final List<String> CATEGORIES = List.of("computers", "politics", "science", "food");
    /** The id of a word outside the vocabulary. */
    public static final int UNKNOWN = 1;

    private static final int TEST_EVERY = 5;

    /**
     * The corpus as token-id DataFrames ({@code features array<int>}, {@code label int}, the
     * category's index) and its vocabulary.
     *
     * @param train four fifths of the cookies
     * @param test the other fifth
     * @param vocabulary the words with ids 2, 3, …; the model's vocabulary size is this length + 2
     */
    public record Corpus(Dataset<Row> train, Dataset<Row> test, List<String> vocabulary) {

        /** Returns the number of distinct token ids, padding and unknown included. */
        public int vocabularySize() {
            return vocabulary.size() + 2;
        }
    }

    private FortuneCookies() {}

    /**
     * Reads the categories' files from {@code dir} and turns them into token ids.
     *
     * @param maxVocabulary the largest vocabulary size, padding and unknown ids included
     * @throws IOException naming the file when one is missing
     */
    public static Corpus load(SparkSession spark, Path dir, List<String> categories, int maxVocabulary)
            throws IOException {
        if (maxVocabulary < 3) {
            throw new IllegalArgumentException("the vocabulary needs room for at least one word, got " + maxVocabulary);
        }
        List<Row> train = new ArrayList<>();
        List<Row> test = new ArrayList<>();
        for (int label = 0; label < categories.size(); label++) {
            Path file = dir.resolve(categories.get(label));
            if (!Files.isRegularFile(file)) {
                throw new IOException("fortune file not found: " + file + " (install Debian's fortunes or set data_dir)");
            }
            List<String> cookies = cookies(Files.readString(file, StandardCharsets.UTF_8));
            for (int i = 0; i < cookies.size(); i++) {
                (i % TEST_EVERY == TEST_EVERY - 1 ? test : train).add(RowFactory.create(cookies.get(i), label));
            }
        }
        StructType schema = new StructType().add("text", DataTypes.StringType, false)
                .add("label", DataTypes.IntegerType, false);
        RegexTokenizer tokenizer = new RegexTokenizer().setInputCol("text").setOutputCol("words")
                .setPattern("[^\\p{L}\\p{N}']+").setToLowercase(true);
        Dataset<Row> trainWords = tokenizer.transform(spark.createDataFrame(train, schema));
        Dataset<Row> testWords = tokenizer.transform(spark.createDataFrame(test, schema));
        CountVectorizerModel counts = new CountVectorizer().setInputCol("words").setVocabSize(maxVocabulary - 2)
                .setMinDF(2).fit(trainWords);
        List<String> vocabulary = List.of(counts.vocabulary());
        Column ids = tokenIds(vocabulary);
        return new Corpus(trainWords.select(ids, functions.col("label")),
                testWords.select(ids, functions.col("label")), vocabulary);
    }

    /** Splits a fortune file into its cookies, trimmed, empty ones dropped. */
    static List<String> cookies(String file) {
        List<String> cookies = new ArrayList<>();
        StringBuilder cookie = new StringBuilder();
        for (String line : file.split("\n", -1)) {
            if (line.equals("%")) {
                add(cookies, cookie);
            } else {
                cookie.append(line).append('\n');
            }
        }
        add(cookies, cookie);
        return cookies;
    }

    private static void add(List<String> cookies, StringBuilder cookie) {
        String text = cookie.toString().strip();
        if (!text.isEmpty()) {
            cookies.add(text);
        }
        cookie.setLength(0);
    }

    /** The {@code words} column mapped to ids: a word's 1-based place in the vocabulary, plus one. */
    private static Column tokenIds(List<String> vocabulary) {
        Column words = functions.lit(vocabulary.toArray(new String[0]));
        return functions.transform(functions.col("words"), word -> {
            Column place = functions.array_position(words, word).cast("int");
            return functions.when(place.gt(0), place.plus(1)).otherwise(UNKNOWN);
        }).as("features");
    }
}
