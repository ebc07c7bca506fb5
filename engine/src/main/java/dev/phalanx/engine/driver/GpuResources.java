package dev.phalanx.engine.driver;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.resource.ResourceProfile;
import org.apache.spark.resource.ResourceProfileBuilder;
import org.apache.spark.resource.TaskResourceRequests;

/**
 * How a GPU job asks Spark for its GPUs, and the preflight that refuses one Spark cannot serve.
 *
 * <p>Why a stage-level {@link ResourceProfile} and not {@code spark.task.resource.gpu.amount}: the
 * conf would make every task of the application hold GPUs — the sharding shuffle and the
 * evaluation too — and would have to be set by the user when the session is created, apart from
 * the job's own {@code gpus_per_worker}. A task-only profile (task CPUs and GPUs, no executor
 * requests) applied to the barrier RDD asks for GPUs in the training stage alone and is derived from
 * the job option. Spark accepts such a profile on standalone (local-cluster included), YARN and
 * Kubernetes with dynamic allocation off — which a barrier stage needs anyway — and runs it on the
 * executors of the default profile, so the executors themselves must be started with GPUs
 * ({@code spark.executor.resource.gpu.amount}).
 */
final class GpuResources {

    /** The name of Spark's GPU resource. */
    static final String NAME = "gpu";

    private static final String EXECUTOR_AMOUNT = "spark.executor.resource.gpu.amount";

    private GpuResources() {}

    /**
     * Refuses, before any Spark job, a GPU job on a master that cannot offer GPUs: local mode never
     * schedules task resources (the barrier stage would wait forever), and executors started without
     * {@code spark.executor.resource.gpu.amount} have none.
     *
     * @throws IllegalArgumentException naming {@code gpus_per_worker} and the settings to configure
     */
    static void preflight(SparkConf conf, String master, int gpusPerWorker) {
        if (gpusPerWorker == 0) {
            return;
        }
        String ask = "gpus_per_worker = " + gpusPerWorker + " but Spark master '" + master + "' ";
        String configure = "run on a cluster master (spark://…, yarn, k8s://…; local-cluster[…] for tests) whose"
                + " executors have GPUs: set " + EXECUTOR_AMOUNT + " (at least gpus_per_worker) and, on standalone,"
                + " spark.worker.resource.gpu.amount with spark.worker.resource.gpu.discoveryScript"
                + " (conf/gpu-discovery.sh); or set gpus_per_worker = 0 to train on CPUs";
        if (master.equals("local") || master.startsWith("local[")) {
            throw new IllegalArgumentException(ask + "cannot offer GPUs (local mode never schedules GPUs to tasks); "
                    + configure);
        }
        double perExecutor = conf.getDouble(EXECUTOR_AMOUNT, 0);
        if (perExecutor < gpusPerWorker) {
            throw new IllegalArgumentException(ask + "starts executors with " + EXECUTOR_AMOUNT + " = "
                    + (conf.contains(EXECUTOR_AMOUNT) ? conf.get(EXECUTOR_AMOUNT) : "unset (0)") + "; " + configure);
        }
    }

    /**
     * Returns the barrier stage's profile: {@code gpusPerWorker} whole GPUs and {@code spark.task.cpus}
     * CPUs per task — whole GPUs, so Spark never gives one GPU to two tasks — registered with the
     * context so that its task slots can be counted before launch.
     */
    static ResourceProfile trainingProfile(SparkContext sc, int gpusPerWorker) {
        ResourceProfile profile = new ResourceProfileBuilder()
                .require(new TaskResourceRequests()
                        .cpus(sc.getConf().getInt("spark.task.cpus", 1))
                        .resource(NAME, gpusPerWorker))
                .build();
        // Scala's private[spark] is public in bytecode; RDD.withResources registers the same way.
        sc.resourceProfileManager().addResourceProfile(profile);
        return profile;
    }
}
