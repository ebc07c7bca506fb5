#!/usr/bin/env bash
# Start-up benchmark: where the time goes from the command to the first training step, phase by
# phase, side by side in one run with the peer a user would run instead.
#  (a) the README job, `bin/phalanx train --config conf/fashion-mnist-mlp.conf` (3 epochs), with the
#      class-data archive `mvn package` records (PHALANX_CDS=auto, the default) and without
#      (PHALANX_CDS=off, as before the archive was recorded at build time): the phases come from its
#      summary.json `timings` (seconds after bin/phalanx started), plus the command's wall time;
#  (b) `Phalanx.fit` from a warm SparkSession on Fashion-MNIST (StartupBenchmark): the first fit in
#      a JVM and then later fits, each from `fit` to its first step, of the cached DataFrame and then
#      of the rows read straight from the files (FashionMnist.positional);
#  (c) PyTorch DDP (gloo, 2 processes, shared/peers/torch_ddp.py): the wall time of `python3
#      torch_ddp.py mlp 128 2 1`, from the command to the end of one step on random data (no data
#      loading at all: a lower bound for a Python job's start).
# BASELINE=DIR also runs the README job from another built checkout (an earlier commit, PHALANX_CDS=auto)
# in each round, for before/after in one run.
# ROUNDS (default 3) repeats each; medians are printed last.
# Build first: mvn -B -q -DskipTests package. Needs Debian's dataset-fashion-mnist and python3-torch.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/.."
peers="${PEERS_DIR:-$here/../../shared/peers}"
rounds="${ROUNDS:-3}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
classpath="$jar:$(cat "$here/target/classpath.txt")"
# shellcheck source=jvm-options.sh
source "$here/jvm-options.sh"

if [[ ! -s "$root/launcher/target/cds/phalanx.jsa" ]]; then
  echo "no class-data archive in launcher/target/cds: build with mvn -B -q -DskipTests package (with Fashion-MNIST installed)" >&2
  exit 1
fi
for ((round = 1; round <= rounds; round++)); do
  for cds in off auto ${BASELINE:+baseline}; do
    run_dir="$out/readme-$cds-$round"
    from="$root" mode=$cds
    if [[ $cds == baseline ]]; then from="$BASELINE" mode=auto; fi
    t0=$(date +%s%N)
    PHALANX_CDS=$mode "$from/bin/phalanx" train --config "$from/conf/fashion-mnist-mlp.conf" --set run_dir="$run_dir" \
      > "$out/readme-$cds-$round.log" 2>&1
    t1=$(date +%s%N)
    python3 - "$run_dir/summary.json" "$(( (t1 - t0) / 1000000 ))" <<'EOF' >> "$out/readme-$cds.tsv"
import json, sys
timings = json.load(open(sys.argv[1]))["timings"]
timings["command_wall"] = int(sys.argv[2]) / 1000
print("\t".join(f"{k}={v}" for k, v in timings.items()))
EOF
  done
  env OMP_NUM_THREADS=1 GLIBC_TUNABLES=glibc.malloc.tcache_count=0 SPARK_LOCAL_IP=127.0.0.1 java "${opens[@]}" \
    -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true -Xmx6g \
    -Dai.djl.offline=true -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
    -cp "$classpath" dev.phalanx.bench.StartupBenchmark "${FITS:-3}" 2>/dev/null | grep -E '^(fit|files) ' >> "$out/fit.txt"
  t0=$(date +%s%N)
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE -u LD_PRELOAD -u GLIBC_TUNABLES /usr/bin/python3 \
    "$peers/torch_ddp.py" mlp 128 2 1 $((29600 + round)) > /dev/null 2>&1
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 ))" >> "$out/ddp.txt"
done

python3 - "$out" <<'EOF'
import statistics, sys, os
out = sys.argv[1]
def rows(cds):
    return [dict((k, float(v)) for k, v in (f.split("=") for f in line.split()))
            for line in open(os.path.join(out, "readme-%s.tsv" % cds))]
variants = [("off", "CDS off"), ("auto", "CDS archive")]
if os.path.exists(os.path.join(out, "readme-baseline.tsv")):
    variants.append(("baseline", "baseline"))
runs = {name: rows(name) for name, _ in variants}
phases = list(dict.fromkeys(p for name, _ in variants for r in runs[name] for p in r))
print("README job (bin/phalanx train --config conf/fashion-mnist-mlp.conf): phase end, seconds after the command")
print("%-16s" % "phase" + "".join("%13s" % label for _, label in variants) + "   rounds ("
      + " | ".join(label for _, label in variants) + ")")
for p in phases:
    values = [[r[p] for r in runs[name] if p in r] for name, _ in variants]
    print("%-16s" % p + "".join("%13s" % ("%.2f" % statistics.median(v) if v else "-") for v in values) + "   "
          + " | ".join(" ".join("%.2f" % x for x in v) for v in values))
fits = {}
for line in open(os.path.join(out, "fit.txt")):
    # fit|files N first_step_s=X ...
    parts = line.split()
    fits.setdefault((parts[0], int(parts[1])), []).append(line.strip())
print("\nPhalanx.fit from a warm SparkSession (Fashion-MNIST, mlp, 2 workers): fit -> first step"
      " (fit: the cached DataFrame; files: FashionMnist.positional)")
for kind, n in sorted(fits, key=lambda k: (k[0] != "fit", k[1])):
    lines = fits[(kind, n)]
    firsts = [float(l.split("first_step_s=")[1].split()[0]) for l in lines]
    print("%s %d: median %.2f s (%s); last round: %s" % (kind, n, statistics.median(firsts),
          " ".join("%.2f" % v for v in firsts), lines[-1]))
ddp = [int(l) / 1000 for l in open(os.path.join(out, "ddp.txt"))]
print("\nPyTorch DDP (gloo, 2 processes, random data, 1 step): command wall %.2f s median (%s)"
      % (statistics.median(ddp), " ".join("%.2f" % v for v in ddp)))
EOF
