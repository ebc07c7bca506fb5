#!/usr/bin/env bash
# Checkpoint write time against model size (issue 21): the parameters and Adam's two moments written
# through Phalanx's CheckpointStore to the local file system by one rank (unsharded) and by two
# ranks at once, each its slice, rank 0 committing (optimizer_sharding). Medians over ROUNDS
# (default 3) writes of each size; SIZES in millions of parameters (default 25 50 100 200).
# Build first: mvn -B -q -DskipTests package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$(ls "$here"/target/phalanx-bench-*.jar | head -n 1)"
dir="${DIR:-$(mktemp -d)}"
trap 'rm -rf "$dir"' EXIT
java -Xmx8g -cp "$jar:$(cat "$here/target/classpath.txt")" dev.phalanx.bench.CheckpointWriteBenchmark "$dir" \
  "${ROUNDS:-3}" ${SIZES:-25 50 100 200} 2>/dev/null | grep '^size='
