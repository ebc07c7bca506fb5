#!/usr/bin/env bash
# All-reduce benchmark: Phalanx's ring vs PyTorch's gloo, W = 2 and 4 processes on loopback,
# side by side in one run. Prints both tables and the ratios (Phalanx / gloo).
# WIRE=BFLOAT16 runs Phalanx with bfloat16 on the wire (gradient_compression = bf16); gloo always
# sends float32, and sizes and bandwidths count float32 bytes for both.
# Build first: mvn -B -q -DskipTests package
# Needs Debian's python3-torch and libopenblas0-pthread for the gloo peer.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
peers="${PEERS_DIR:-$here/../../shared/peers}"
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
classpath="$jar:$(cat "$here/target/classpath.txt")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

for world in 2 4; do
  port=$((29600 + world))
  pids=()
  for ((rank = 0; rank < world; rank++)); do
    java -Xmx2g -cp "$classpath" dev.phalanx.bench.AllReduceBenchmark "$rank" "$world" "$port" - "${WIRE:-FLOAT32}" \
      >"$out/phalanx-$world-$rank.txt" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  cat "$out/phalanx-$world-0.txt" | tee -a "$out/all.txt"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 "$peers/gloo_allreduce.py" "$world" $((29700 + world)) \
    | tee -a "$out/all.txt"
done

echo
echo "world bytes phalanx_ms gloo_ms latency_ratio phalanx_busbw gloo_busbw busbw_ratio"
awk '
  { for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    key = f["world"] " " f["bytes"]; ms[$1, key] = f["median_ms"]; bw[$1, key] = f["busbw_GBps"]; keys[key] = 1 }
  END { for (k in keys) printf "%s %s %s %.2f %s %s %.2f\n", k, ms["phalanx", k], ms["gloo", k],
          ms["phalanx", k] / ms["gloo", k], bw["phalanx", k], bw["gloo", k], bw["phalanx", k] / bw["gloo", k] }
' "$out/all.txt" | sort -k1,1n -k2,2n
