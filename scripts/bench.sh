#!/usr/bin/env bash
# Speed figures: cold start, latency p50/p95 at 1 and 20 concurrent conversations, throughput,
# errors, peak memory, model size; pass --train to also time a full training run.
source "$(dirname "$0")/common.sh"
setup_python
train_if_needed
"$PY" -m tests.benchmarks.bench "$@"
