#!/usr/bin/env bash
# Fills bench/gpu/payload (ignored by git) with what bench/gpu/run.sh needs on a machine that has no
# Java and no Maven: a jlink runtime of this machine's JDK and the jars of the check (Phalanx's and
# DJL's Java side; no Spark, no Hadoop, no natives). Run after `mvn -B -q -DskipTests package`.
# The payload (about 40 MB) leaves room, within the 64 MiB that reaches the GPU machine, for the
# repository and DJL's JNI library.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$here/../.."
payload="$here/payload"
rm -rf "$payload"
mkdir -p "$payload/lib"
cp "$root"/models/target/phalanx-models-*[0-9T].jar "$root"/engine/target/phalanx-engine-*[0-9T].jar \
  "$root"/bench/target/phalanx-bench-*[0-9T].jar "$payload/lib/"
# DJL's Java side and what it needs at run time; the natives are given on the GPU machine.
tr ':' '\n' < "$root/bench/target/classpath.txt" \
  | grep -E '/(api|pytorch-engine|jna|gson|slf4j-api|commons-compress)-[0-9][^/]*\.jar$' \
  | xargs -I{} cp {} "$payload/lib/"
# The modules the check uses, not all that jdeps lists for these jars (java.desktop for JNA's AWT
# helpers, java.sql for gson's date adapters): the runtime must leave room in 64 MiB.
jlink --add-modules java.base,java.logging,java.management,java.naming,jdk.unsupported --strip-debug --no-man-pages \
  --no-header-files --compress=2 --output "$payload/jre"
du -sh "$payload" "$payload/lib" "$payload/jre"
