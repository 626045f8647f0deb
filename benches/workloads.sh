#!/usr/bin/env bash
# Whole-run timing of the benchmark workloads W1-W3 (README "Performance"): each run 5 times with
# 1 and 2 threads; prints the median neuron-steps/s of each, as the binary's summary reports it.
# Usage: bash benches/workloads.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for w in 1 2 3; do
  for t in 1 2; do
    rates=()
    for _ in 1 2 3 4 5; do
      rates+=("$(./target/release/lifsweep run "sweeps/bench_w$w.toml" --threads "$t" --quiet \
        --force -o "$out/w.parquet" | sed -n 's/.*: \([0-9.e+]*\) neuron-steps\/s/\1/p')")
    done
    median=$(printf '%s\n' "${rates[@]}" | sort -g | sed -n 3p)
    echo "W$w threads $t: median $median neuron-steps/s (runs: ${rates[*]})"
  done
done
