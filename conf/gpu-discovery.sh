#!/usr/bin/env bash
# Spark GPU discovery script: prints the GPUs of this machine as Spark's resource JSON,
#   {"name":"gpu","addresses":["0","1",...]}
# with CUDA device indices as addresses (Phalanx runs DJL on Device.gpu(address)).
# Use it as spark.worker.resource.gpu.discoveryScript (standalone) or
# spark.executor.resource.gpu.discoveryScript (YARN, Kubernetes). With several Spark workers on one
# machine, give each its own GPUs (for example through CUDA_VISIBLE_DEVICES): two workers must
# never share a GPU.
set -euo pipefail

indices=$(nvidia-smi --query-gpu=index --format=csv,noheader)
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  # CUDA renumbers the visible devices from 0, and so must the addresses.
  count=$(tr ',' '\n' <<<"$CUDA_VISIBLE_DEVICES" | grep -c .)
  indices=$(seq 0 $((count - 1)))
fi
addresses=$(sed 's/.*/"&"/' <<<"$indices" | paste -sd, -)
echo "{\"name\":\"gpu\",\"addresses\":[${addresses}]}"
