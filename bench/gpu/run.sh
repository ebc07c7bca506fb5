#!/usr/bin/env bash
# Issue 27's GPU check, in one go: (a) correctness, W=1 device-resident on the GPU against W=1 on
# the CPU, SGD-momentum steps of mlp, cnn and resnet with batch norm: losses, parameters, batch-norm
# statistics, host<->device copies per step; (b) W=2 as two processes on the one GPU meeting over
# loopback (TCP rendezvous and ring) against W=1 with the same global batch, mlp and cnn; (c) speed
# side by side with PyTorch eager on the same device in the same run: ResNet-18 on 32x32x3 at batch
# 256, MLP 784-4096-4096-10 at batch 1024, the small MLP at batch 128, ratios printed.
#
# On the GPU machine (docs/GPU.md gives the whole command with the files it needs):
#   bench/gpu/run.sh                       DEVICE=gpu(0) by default
# The dry run on a CPU, with small sizes, DJL's CPU natives from the build's own jars:
#   DEVICE=cpu QUICK=1 EXTRA_CLASSPATH="$(tr ':' '\n' < bench/target/classpath.txt \
#     | grep -E 'pytorch-(jni|native-cpu)' | paste -sd:)" bench/gpu/run.sh
#
# It takes DJL's GPU natives as given and fetches or builds nothing: for a GPU, DJL's custom
# libtorch variables (PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR) must name a torch whose
# JNI library DJL finds (on a cluster both come from DJL's pytorch-native-cu* jar).
#   JAVA    a Java 17 java (default: bench/gpu/payload/jre/bin/java if there, else java on PATH)
#   LIB     the folder of jars (default: bench/gpu/payload/lib, which bench/gpu/prepare.sh fills)
#   EXTRA_CLASSPATH  more jars for the Java runs (the CPU natives of the dry run)
#   DJL_JNI DJL's JNI library built for that torch; when set, it is put where DJL looks for it
#           (an engine cache folder under OUT), so it need not be installed
#   PYTHON  a python with torch, for the peer (default: python3)
#   OUT     where the results go (default: a new temporary folder); the summary is gpu-check.txt
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
device="${DEVICE:-gpu(0)}"
java="${JAVA:-}"
if [[ -z "$java" ]]; then
  if [[ -x "$here/payload/jre/bin/java" ]]; then java="$here/payload/jre/bin/java"; else java=java; fi
fi
lib="${LIB:-$here/payload/lib}"
python="${PYTHON:-python3}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
summary="$out/gpu-check.txt"
: > "$summary"
: > "$out/stderr.log"
if [[ "$device" == cpu ]]; then torch_device=cpu; else torch_device="cuda:${device//[^0-9]/}"; fi
trap 'echo "gpu check failed; see $out/stderr.log" >&2' ERR
if [[ -n "${DJL_JNI:-}" ]]; then
  cache="$out/djl-cache/pytorch/${PYTORCH_VERSION:?set PYTORCH_VERSION with DJL_JNI}-${PYTORCH_FLAVOR:?set PYTORCH_FLAVOR with DJL_JNI}-linux-x86_64"
  mkdir -p "$cache"
  ln -sf "$(cd "$(dirname "$DJL_JNI")" && pwd)/$(basename "$DJL_JNI")" "$cache/0.36.0-libdjl_torch.so"
  export ENGINE_CACHE_DIR="$out/djl-cache"
fi
classpath="$lib/*${EXTRA_CLASSPATH:+:$EXTRA_CLASSPATH}"
[[ -d "$lib" ]] || { echo "no jars in $lib: run bench/gpu/prepare.sh after mvn package (docs/GPU.md)" >&2; exit 2; }

if [[ -n "${QUICK:-}" ]]; then
  correctness_steps=3; ring_steps=4; ring_batch=16
  speed=("resnet(width=8) 16 3 3" "mlp(hidden=512,hidden2=512) 64 5 3" "mlp 128 10 3")
else
  correctness_steps=20; ring_steps=20; ring_batch=64
  speed=("resnet(width=64) 256 30 5" "mlp(hidden=4096,hidden2=4096) 1024 50 5" "mlp 128 200 5")
fi

report() { tee -a "$summary"; }
phalanx() {
  "$java" -Xmx8g -XX:+UseParallelGC -Dai.djl.offline=true -Djava.util.logging.config.file=/dev/null \
    -cp "$classpath" dev.phalanx.bench.GpuCheck "$@" 2>>"$out/stderr.log" \
    | { grep -E '^(correctness|ring|compare|speed) ' || true; }
}
start=$SECONDS
echo "gpu check on $device, $(date -u +%FT%TZ)" | report

# (a) the device-resident step against the CPU, from the same seed and batches.
phalanx correctness "$device" "$correctness_steps" | report

# (b) data-parallel equivalence on the device: W=2 (two processes, one device) against W=1.
for model in mlp cnn; do
  port=$((29500 + RANDOM % 2000))
  phalanx ring 0 1 "$port" "$device" "$model" "$ring_steps" "$ring_batch" "$out/$model-w1" | report
  port=$((port + 1))
  phalanx ring 1 2 "$port" "$device" "$model" "$ring_steps" "$ring_batch" "$out/$model-w2" >/dev/null &
  rank1=$!
  phalanx ring 0 2 "$port" "$device" "$model" "$ring_steps" "$ring_batch" "$out/$model-w2" | report
  wait "$rank1"
  phalanx compare "$out/$model-w1" "$out/$model-w2" | report
done

# (c) speed beside PyTorch eager on the same device, ratios of the medians.
for row in "${speed[@]}"; do
  read -r model batch steps rounds <<< "$row"
  ours="$(phalanx speed "$device" "$model" "$batch" "$steps" "$rounds")"
  echo "$ours" | report
  peer="$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$here/torch_peer.py" "$torch_device" "$model" "$batch" "$steps" "$rounds" 2>>"$out/stderr.log")"
  echo "$peer" | report
  awk -v ours="$ours" -v peer="$peer" -v model="$model" -v batch="$batch" 'BEGIN {
    split(ours, a, "median_ms_per_step="); split(peer, b, "median_ms_per_step="); split(peer, c, "resident_ms_per_step=");
    printf "ratio model=%s batch=%d phalanx/torch=%.2f (batch copied each step) phalanx/torch_resident=%.2f\n",
      model, batch, a[2] / b[2], a[2] / c[2] }' | report
done
echo "done in $((SECONDS - start)) s; results in $out" | report
