"""Example Airflow DAG: train Phalanx's Fashion-MNIST MLP every night with spark-submit.

Needs apache-airflow-providers-apache-spark and a "spark_default" connection pointing at the
cluster (YARN, standalone or Kubernetes). The job jar and config paths are examples: put the
jar built by `mvn -B -DskipTests package` (launcher/target/phalanx-launcher-*-job.jar) and the
job config where the cluster can read them.

Rerunning a task is safe: Phalanx resumes an unfinished run from its newest checkpoint and does
nothing for a run that already finished (run_dir holds _SUCCESS). Exit codes: 0 success,
2 bad configuration, 3 bad data, 4 training failed after its retries, 5 no usable checkpoint.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

with DAG(
    dag_id="phalanx_fashion_mnist",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    SparkSubmitOperator(
        task_id="train_mlp",
        conn_id="spark_default",
        application="/opt/phalanx/phalanx-launcher-0.1.0-SNAPSHOT-job.jar",
        java_class="dev.phalanx.launcher.PhalanxCli",
        application_args=[
            "train",
            "--config", "/opt/phalanx/conf/fashion-mnist-mlp.conf",
            # One run directory per day: a retry of the same day resumes it.
            "--set", "run_dir=hdfs:///phalanx/runs/fashion-mnist-mlp/{{ ds }}",
            "--set", "workers=2",
        ],
        executor_cores=1,
        executor_memory="4g",
        num_executors=2,
        conf={
            "spark.task.cpus": "1",
            "spark.dynamicAllocation.enabled": "false",
            "spark.executor.extraJavaOptions": "-Dai.djl.offline=true",
        },
    )
