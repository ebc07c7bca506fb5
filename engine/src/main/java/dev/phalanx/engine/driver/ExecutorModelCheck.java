package dev.phalanx.engine.driver;

import dev.phalanx.models.ModelCatalog;
import dev.phalanx.models.ModelDefinition;
import dev.phalanx.models.ModelSpec;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Checks, before the barrier stage, that the executors can load a model that is not built in — a
 * user's factory, or a family registered by a jar — in one cheap job of plain tasks. Without it, a
 * jar missing from {@code --jars} fails every barrier task of every attempt with a class-loading
 * stack trace. In local mode the executors share the driver's class path, so there is nothing to check.
 */
public final class ExecutorModelCheck {

    private ExecutorModelCheck() {}

    /**
     * Runs {@code tasks} tasks that each load {@code model}'s definition on an executor.
     *
     * @param timeout how long the check may take (task slots are already there)
     * @throws IllegalArgumentException naming the model and what the executors could not load
     */
    public static void require(SparkContext sc, ModelSpec model, int tasks, Duration timeout) {
        if (sc.isLocal() || builtIn(model)) {
            return;
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
        List<Integer> slots = IntStream.range(0, tasks).boxed().toList();
        String previousDescription = sc.getLocalProperty("spark.job.description");
        sc.setLocalProperty("spark.job.description", "Phalanx: can the executors load model " + model.name() + "?");
        JavaFutureAction<List<String>> check;
        try {
            check = jsc.parallelize(slots, tasks).map(slot -> problemLoading(model)).collectAsync();
        } finally {
            sc.setLocalProperty("spark.job.description", previousDescription);
        }
        List<String> problems;
        try {
            problems = check.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            check.cancel(true);
            throw new IllegalArgumentException("model '" + model.name() + "': checking that the executors can load it"
                    + " took longer than slot_wait_timeout (" + timeout + ")");
        } catch (InterruptedException e) {
            check.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the executors can load model " + model.name(), e);
        } catch (ExecutionException e) {
            // A factory instance that cannot be deserialised fails the task before it runs.
            throw new IllegalArgumentException("model '" + model.name() + "' cannot be loaded on the executors"
                    + " (add its jar with --jars or spark.jars): " + rootCause(e));
        }
        String prefix = "model '" + model.name() + "': ";
        problems.stream().filter(problem -> problem != null).findFirst().ifPresent(problem -> {
            throw new IllegalArgumentException("model '" + model.name() + "' cannot be loaded on the executors: "
                    + (problem.startsWith(prefix) ? problem.substring(prefix.length()) : problem));
        });
    }

    /** Whether the model is one of this module's own families, which every executor has with Phalanx. */
    private static boolean builtIn(ModelSpec model) {
        if (model.name().startsWith("class:")) {
            return false;
        }
        ModelDefinition definition = ModelCatalog.byName(model.name());
        return definition.getClass().getClassLoader() == ModelCatalog.class.getClassLoader();
    }

    /** What loading the model's definition says on this executor, or null when it loads. */
    private static String problemLoading(ModelSpec model) {
        try {
            model.definition();
            return null;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return e.getMessage();
        }
    }

    private static String rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = String.valueOf(cause.getMessage());
        int newline = message.indexOf('\n');
        return cause.getClass().getSimpleName() + ": " + (newline < 0 ? message : message.substring(0, newline));
    }
}
