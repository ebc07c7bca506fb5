#!/usr/bin/env bash
# Big-model benchmark (issue 21): mlp(hidden=31000) on 784 inputs, 505 million parameters (2.0 GB of
# float32), Adam, W=2 workers as two executor JVMs of local-cluster[2,1,EXECUTOR_MB] on this machine,
# optimizer sharding off and on. Per mode: train with a checkpoint every 5 steps; once the checkpoint
# of step 5 has committed, kill -9 the driver and both executors; run the same command again, which
# resumes from step 5 and trains to step 10; then time the verification of the newest checkpoint
# as a resuming driver does it. Prints per mode: the step times, each checkpoint's write time (from
# the executors' logs), the verification time, the driver's peak heap (its JVM runs with -Xmx512m)
# and each executor's peak RSS (VmHWM).
# Build first: mvn -B -q -DskipTests package. Needs about 12 GB of free disk per mode.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
classpath="$jar:$(cat "$here/target/classpath.txt")"
hidden="${HIDDEN:-31000}"
executor_mb="${EXECUTOR_MB:-7168}"
modes="${MODES:-true false}"
# shellcheck source=jvm-options.sh
source "$here/jvm-options.sh"

# local-cluster starts its executors from SPARK_HOME/jars: every jar of the benchmark's classpath.
home="$here/target/bigmodel-spark-home"
mkdir -p "$home/jars"
for entry in ${classpath//:/ }; do
  [[ "$entry" == *.jar ]] && ln -sf "$entry" "$home/jars/$(basename "$entry")"
done
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
echo "output in $out"

executor_opts="${opens[*]} -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true"
executor_opts+=" -Dai.djl.offline=true -XX:MaxDirectMemorySize=5g"
# The executors preload the engine's oneMKL library, as bin/phalanx has them do (MklAnyVendor).
mkl="$here/../engine/target/native/libphalanx-mkl-any-vendor.so"
mkl_conf=()
[[ -e "$mkl" ]] && mkl_conf=(-Dspark.executorEnv.LD_PRELOAD="$mkl")
driver() { # LOG SHARDED CHECKPOINT_DIR
  local log="$1" sharded="$2" dir="$3"
  env SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 OMP_NUM_THREADS=1 \
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=134217728 GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
    java "${opens[@]}" -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true \
    -Xmx512m -Dai.djl.offline=true -Dlog4j2.configurationFile="$here/../conf/log4j2.properties" \
    -Dspark.executor.memory="${executor_mb}m" -Dspark.executor.extraJavaOptions="$executor_opts" -Dspark.executorEnv.OMP_NUM_THREADS=1 \
    -Dspark.executorEnv.MALLOC_MMAP_THRESHOLD_=33554432 -Dspark.executorEnv.MALLOC_TRIM_THRESHOLD_=134217728 \
    "${mkl_conf[@]}" \
    -cp "$classpath" dev.phalanx.bench.BigModelBenchmark train "local-cluster[2,1,$executor_mb]" "$hidden" \
    "$sharded" "$dir" > "$log" 2>&1
}
# Records every executor JVM's peak RSS (VmHWM, kB) until the file $1.stop exists.
watch_rss() {
  local file="$1"
  : > "$file"
  while [[ ! -e "$file.stop" ]]; do
    for pid in $(pgrep -f CoarseGrainedExecutorBackend || true); do
      hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)"
      [[ -n "$hwm" ]] && echo "$pid $hwm" >> "$file"
    done
    sleep 1
  done
}
peak_rss_gib() { awk '{ if ($2 > m[$1]) m[$1] = $2 } END { for (p in m) printf "%.1f ", m[p] / 1048576 }' "$1"; }

# Stops the RSS watcher $3 of run $2 of mode $1 and prints what the run did: its steps and events,
# any out-of-memory error, the checkpoint writes the executors logged, and their peak RSS.
report() {
  local name="$1" run="$2"
  touch "$out/$name-rss-$run.stop"; wait "$3" || true
  grep -E '^(step|event|done)' "$out/$name-$run.log" || true
  grep -hE 'OutOfMemory|Java heap space|Exception' "$out/$name-$run.log" | head -3 || true
  grep -rhoE '(rank [0-9] wrote its slice|checkpoint ckpt-[0-9]+ committed).* in [0-9.]+ s' "$home/work" 2>/dev/null \
    | sort -u || true
  grep -rhE 'OutOfMemory' "$home/work" 2>/dev/null | head -3 || true
  echo "run $run: executors' peak RSS (GiB): $(peak_rss_gib "$out/$name-rss-$run")"
}

for sharded in $modes; do
  name="$([[ $sharded == true ]] && echo sharded || echo unsharded)"
  dir="$out/$name-checkpoints"
  rm -rf "$dir" "$home/work"
  echo "== optimizer_sharding = $sharded"
  watch_rss "$out/$name-rss-1" & watcher=$!
  driver "$out/$name-1.log" "$sharded" "$dir" & pid=$!
  while [[ ! -e "$dir/ckpt-000000000005/_COMMITTED" ]] && kill -0 "$pid" 2>/dev/null; do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    pkill -9 -f 'BigModelBenchmark train' || true
    pkill -9 -f CoarseGrainedExecutorBackend || true
    echo "killed with -9 after the checkpoint of step 5 committed"
  fi
  wait "$pid" 2>/dev/null || true
  report "$name" 1 "$watcher"
  if [[ ! -e "$dir/ckpt-000000000005/_COMMITTED" ]]; then
    echo "no checkpoint of step 5: nothing to resume"
    continue
  fi
  mv "$home/work" "$out/$name-executors-1"
  watch_rss "$out/$name-rss-2" & watcher=$!
  driver "$out/$name-2.log" "$sharded" "$dir" || true
  report "$name" 2 "$watcher"
  mv "$home/work" "$out/$name-executors-2"
  env -u LD_PRELOAD java -Xmx512m -cp "$classpath" dev.phalanx.bench.BigModelBenchmark verify "$dir" 2>/dev/null \
    | grep '^verify' || true
  rm -rf "$dir"
done
