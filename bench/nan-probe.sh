#!/usr/bin/env bash
# Counts how many of RUNS fresh JVMs see non-finite gradients training MODEL in plain DJL
# (ConvolutionNanProbe: 30 steps, batch 64), under the environment this script is given, or with
# Phalanx's run-time guard (malloc's fill turned on for padded channels) given a third argument 'guarded':
#   bench/nan-probe.sh RUNS MODEL [guarded]
#   bench/nan-probe.sh 12 'resnet(width=12)'                          # the guard unset
#   MALLOC_PERTURB_=1 GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
#     bench/nan-probe.sh 12 'resnet(width=12)'                       # with the guard
#   ONEDNN_MAX_CPU_ISA=AVX2 bench/nan-probe.sh 12 'resnet(width=12)'  # oneDNN capped at AVX2
#   GLIBC_TUNABLES=glibc.malloc.tcache_count=0 \
#     bench/nan-probe.sh 12 'resnet(width=12)' guarded               # as a Phalanx worker runs
# Build first: mvn -B -q -DskipTests package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
runs="$1"
model="$2"
guard="${3:-}"
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
classpath="$jar:$(cat "$here/target/classpath.txt")"
for ((run = 0; run < runs; run++)); do
  env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=134217728 MALLOC_TOP_PAD_=67108864 \
    OMP_NUM_THREADS=1 java -Xmx2g -Dai.djl.offline=true \
    -Dlog4j2.configurationFile="$here/../conf/log4j2.properties" \
    -cp "$classpath" dev.phalanx.bench.ConvolutionNanProbe "$model" 30 64 ${guard:+"$guard"} 2>/dev/null \
    | grep -E '^(BAD|CLEAN)' | sed -E 's/^BAD.*/BAD/'
done | sort | uniq -c
