#!/usr/bin/env bash
# Whole-run timing of the benchmark workloads W1-W3 (README "Performance"): RUNS rounds (default
# 5) of all six runs (each workload with 1 and 2 threads), interleaved so that the machine's
# drift (10-15% over minutes on the development VM) spreads over all of them; prints the median
# neuron-steps/s of each, as the binary's summary reports it.
# Usage: bash benches/workloads.sh [RUNS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
runs=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
declare -A rates
for _ in $(seq "$runs"); do
  for w in 1 2 3; do
    for t in 1 2; do
      rate=$(./target/release/lifsweep run "sweeps/bench_w$w.toml" --threads "$t" --quiet \
        --force -o "$out/w.parquet" | sed -n 's/.*: \([0-9.e+]*\) neuron-steps\/s/\1/p')
      rates[$w$t]="${rates[$w$t]:-} $rate"
    done
  done
done
for w in 1 2 3; do
  for t in 1 2; do
    # shellcheck disable=SC2086 # the list is meant to split
    median=$(printf '%s\n' ${rates[$w$t]} | sort -g | sed -n "$(((runs + 1) / 2))p")
    echo "W$w threads $t: median $median neuron-steps/s (runs:${rates[$w$t]})"
  done
done
