#!/usr/bin/env bash
# Failures at scale (docs/SCALE.md): effective training time by number of cards, recovery time and
# checkpoint pause at Daly's interval, simulated and by the first-order formula, with the card MTBF
# of Llama 3's 16,384-GPU run. Pure computation, under a second. Build first: mvn -B -q -DskipTests package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
java -cp "$(ls "$here"/target/phalanx-bench-*.jar | head -n 1):$(cat "$here/target/classpath.txt")" \
  dev.phalanx.bench.FailurePlan
