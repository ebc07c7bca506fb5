#!/usr/bin/env bash
# Training-step benchmark, side by side in one run on the same machine, model, batch and threads:
# (a) PyTorch eager, (b) DJL alone, (c) Phalanx W=1 in a Spark barrier stage, (d) Phalanx W=2 and
# PyTorch DDP (gloo) W=2 with the same global batch. MLP and CNN, batch 64, 1 thread per worker.
# ROUNDS (default 3) repeats every program; it ends with issue 8's ratios from the medians over the
# rounds and whether each meets its target.
# Build first: mvn -B -q -DskipTests package. Needs Debian's python3-torch and libopenblas0-pthread.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${PEERS_DIR:-$here/../../shared/peers}"
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
classpath="$jar:$(cat "$here/target/classpath.txt")"
steps="${STEPS:-200}"
# shellcheck source=jvm-options.sh
source "$here/jvm-options.sh"
# The Java runs get glibc's thread cache off, as bin/phalanx sets it (OneDnnPaddingGuard: a Phalanx
# worker turns malloc's fill on by itself for models whose convolution channels oneDNN pads; the
# benchmark's models have none, so neither Phalanx nor DJL alone runs with the fill);
# MALLOC_PERTURB_=1 forces the fill on for the Java runs. The Python peers never get them: their
# PyTorch does not need them.
fill_env=()
if [[ -n "${MALLOC_PERTURB_:-}" ]]; then
  fill_env=(MALLOC_PERTURB_="$MALLOC_PERTURB_")
fi
# The Java runs preload the engine's oneMKL library, as bin/phalanx does (MklAnyVendor: oneMKL
# then picks its kernels by the CPU's features on AMD CPUs too); MKL_PRELOAD=off measures without.
mkl_env=(LD_PRELOAD="$here/../engine/target/native/libphalanx-mkl-any-vendor.so")
if [[ "${MKL_PRELOAD:-on}" == off ]]; then
  mkl_env=()
fi
# Every run, Java and Python alike, gets the glibc malloc settings bin/phalanx sets
# (NativeMemoryTuning: PyTorch then reuses freed tensor memory instead of faulting it in every
# step, which helps PyTorch itself as much); MALLOC_TUNING=off measures all of them with glibc's
# defaults.
malloc_env=()
if [[ "${MALLOC_TUNING:-on}" != off ]]; then
  malloc_env=(MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=134217728 MALLOC_TOP_PAD_=67108864)
fi
java_bench() {
  env -u MALLOC_PERTURB_ -u LD_PRELOAD "${malloc_env[@]}" "${fill_env[@]}" "${mkl_env[@]}" GLIBC_TUNABLES=glibc.malloc.tcache_count=0 OMP_NUM_THREADS=1 SPARK_LOCAL_IP=127.0.0.1 java "${opens[@]}" -Djdk.reflect.useDirectMethodHandle=false \
    -Dio.netty.tryReflectionSetAccessible=true -Xmx6g -Dai.djl.offline=true \
    -Dlog4j2.configurationFile="$here/../conf/log4j2.properties" \
    -cp "$classpath" dev.phalanx.bench.TrainStepBenchmark "$@" 2>/dev/null | grep -E '^(djl|phalanx) '
}
python_peer() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u MALLOC_PERTURB_ -u GLIBC_TUNABLES -u LD_PRELOAD "${malloc_env[@]}" /usr/bin/python3 "$@"
}
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# ROUNDS repeats every program; the summary takes each program's median over the rounds, so one
# slow process on this shared machine does not decide a ratio.
rounds="${ROUNDS:-3}"
for ((round = 1; round <= rounds; round++)); do
  for model in ${MODELS:-mlp cnn}; do
    {
      python_peer "$peers/torch_step.py" "$model" 64 1 "$steps"
      java_bench djl "$model" 64 1 "$steps"
      java_bench phalanx 1 "$model" 64 "$steps"
      java_bench phalanx 2 "$model" 64 "$steps"
      python_peer "$peers/torch_ddp.py" "$model" 64 2 "$steps" 29731
    } | tee -a "$out/all.txt"
  done
done

# Issue 8's ratios from this run's medians over the rounds: (b)/(a) DJL alone against PyTorch,
# (c)/(b) Phalanx W=1 against DJL alone (ms/step, lower is better), Phalanx W=2 against DDP W=2
# (samples/s, higher is better), and the time from Phalanx's fit call to its first step.
echo
echo "medians over $rounds round(s):"
printf '%-5s  %-16s  %-16s  %-7s  %-22s  %s\n' model "(b)/(a) <= 1.10" "(c)/(b) <= 1.05" "(c)/(a)" "W=2/DDP samples >= 1" "fit->first step <= 5 s"
awk '
  function verdict(ok) { return ok ? "met" : "MISSED" }
  function median(list,   v, n, i, j, x) {
    n = split(substr(list, 2), v, " ")
    for (i = 2; i <= n; i++) { x = v[i] + 0; for (j = i - 1; j >= 1 && v[j] + 0 > x; j--) v[j + 1] = v[j]; v[j + 1] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { delete f; for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    kind = $1 == "phalanx" ? "phalanx" f["world"] : $1
    ms[f["model"], kind] = ms[f["model"], kind] " " f["median_ms_per_step"]
    sps[f["model"], kind] = sps[f["model"], kind] " " f["samples_per_s"]
    first[f["model"], kind] = first[f["model"], kind] " " f["fit_to_first_step_s"]; models[f["model"]] = 1 }
  END { for (m in models) {
          a = median(ms[m, "torch"]); b = median(ms[m, "djl"]); c = median(ms[m, "phalanx1"])
          w2 = median(sps[m, "phalanx2"]) / median(sps[m, "ddp"])
          f1 = median(first[m, "phalanx1"]); f2 = median(first[m, "phalanx2"])
          printf "%-5s  %4.2f %-11s  %4.2f %-11s  %-7.2f  %4.2f %-17s  W=1 %.2f s, W=2 %.2f s %s\n", m, b / a,
            verdict(b / a <= 1.10), c / b, verdict(c / b <= 1.05), c / a, w2, verdict(w2 >= 1.0), f1, f2,
            verdict(f1 <= 5 && f2 <= 5) } }
' "$out/all.txt" | sort
