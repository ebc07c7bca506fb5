package dev.phalanx.engine.data;

import dev.phalanx.engine.job.DataFingerprint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongPredicate;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.StructType;

/**
 * Positional rows whose fingerprint a background thread starts computing at once, so that a job can
 * read its data while Spark starts: {@link Sharding} then waits for the fingerprint instead of
 * reading the rows itself. The thread ends with its one task, on every path; what it throws is
 * rethrown to whoever asks for the fingerprint. Workers receive the rows without the fingerprint.
 */
public final class FingerprintedRows implements PositionalRows {

    private static final long serialVersionUID = 1L;
    /** How long reading the rows on the driver may take. */
    private static final long TIMEOUT_MINUTES = 30;

    private final PositionalRows rows;
    private final transient CompletableFuture<DataFingerprint> fingerprint;

    private FingerprintedRows(PositionalRows rows) {
        this.rows = rows;
        this.fingerprint = CompletableFuture.supplyAsync(() -> {
            try {
                return Sharding.fingerprint(rows);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, task -> {
            Thread thread = new Thread(task, "phalanx-data-fingerprint");
            thread.setDaemon(true);
            thread.start();
        });
    }

    /** Returns {@code rows}, their fingerprint being computed from now on. */
    public static FingerprintedRows start(PositionalRows rows) {
        return new FingerprintedRows(rows);
    }

    /**
     * Runs {@code next} in the background thread once it has read the rows (whether or not that
     * succeeded), or at once in this thread if it already has: other start-up work that should not
     * compete with the read for a core.
     */
    public void then(Runnable next) {
        if (fingerprint == null) {
            next.run();
        } else {
            fingerprint.whenComplete((done, failed) -> next.run());
        }
    }

    /**
     * Waits for the fingerprint and returns it.
     *
     * @throws IOException when the rows could not be read
     * @throws InvalidDataException naming the file when one is not what was expected
     */
    DataFingerprint fingerprint() throws IOException {
        if (fingerprint == null) {
            // Deserialized: the computation stayed behind.
            return Sharding.fingerprint(rows);
        }
        try {
            return fingerprint.get(TIMEOUT_MINUTES, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException("reading " + rows.description() + " failed: " + cause, cause);
        } catch (TimeoutException e) {
            throw new IOException("reading " + rows.description() + " for its fingerprint took more than "
                    + TIMEOUT_MINUTES + " minutes", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + rows.description(), e);
        }
    }

    @Override
    public StructType schema() {
        return rows.schema();
    }

    @Override
    public long count() {
        return rows.count();
    }

    @Override
    public Iterator<InternalRow> rows(LongPredicate wanted) throws IOException {
        return rows.rows(wanted);
    }

    @Override
    public Dataset<Row> frame(SparkSession spark, int partitions) throws IOException {
        return rows.frame(spark, partitions);
    }

    @Override
    public String description() {
        return rows.description();
    }
}
