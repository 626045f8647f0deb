#!/usr/bin/env bash
# Whole-run timing of the benchmark workloads W1-W5 (README "Performance"): RUNS rounds (default
# 5) of all six runs (each workload with 1 and 2 threads), interleaved so that the machine's
# drift (10-15% over minutes on the development VM) spreads over all of them. Prints, per run,
# the median neuron-steps/s of the whole process (its wall time from start to exit, measured
# with bash's $EPOCHREALTIME, no extra process) and, beside it, the rate the binary's summary
# reports (its own wall time, without process start-up and exit).
# Usage: bash benches/workloads.sh [RUNS]   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
runs=${1:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source benches/lib.sh
declare -A rates process
steps=([1]=9.3e8 [2]=1.26e9 [3]=1.0e8 [4]=1.0e10 [5]=1.0e8)
for _ in $(seq "$runs"); do
  for w in 1 2 3 4 5; do
    for t in 1 2; do
      start=$EPOCHREALTIME
      summary=$(./target/release/lifsweep run "sweeps/bench_w$w.toml" --threads "$t" --quiet \
        --force -o "$out/w.parquet")
      end=$EPOCHREALTIME
      rate=$(sed -n 's/.*: \([0-9.e+]*\) neuron-steps\/s/\1/p' <<<"$summary")
      rates[$w$t]="${rates[$w$t]:-} $rate"
      whole=$(awk -v s="$start" -v e="$end" -v n="${steps[$w]}" 'BEGIN { printf "%.3e", n / (e - s) }')
      process[$w$t]="${process[$w$t]:-} $whole"
    done
  done
done
for w in 1 2 3 4 5; do
  for t in 1 2; do
    # shellcheck disable=SC2086 # the lists are meant to split
    echo "W$w threads $t: whole process median $(median ${process[$w$t]}) neuron-steps/s," \
      "binary's summary $(median ${rates[$w$t]}) (whole process:${process[$w$t]})"
  done
done
