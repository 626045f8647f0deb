#!/usr/bin/env bash
# What `v_stats = true` costs: W1-W3 as they are and with the V statistics switched on, one
# thread, whole processes, RUNS interleaved rounds (default 7), medians and ratios (README
# "Sweep spec", docs/performance.md).
# Usage: bash benches/v_stats_cost.sh [RUNS]   (builds this release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$(realpath target/release/lifsweep)
runs=${1:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for w in 1 2 3; do
    sed 's/^\[simulation\]$/[simulation]\nv_stats = true/' "sweeps/bench_w$w.toml" >"$out/w${w}v.toml"
done
source benches/lib.sh
for _ in $(seq "$runs"); do
    for w in 1 2 3; do
        for which in off on; do
            spec=$([ $which = off ] && echo "sweeps/bench_w$w.toml" || echo "$out/w${w}v.toml")
            timed "$w$which" "$bin" run "$spec" --threads 1 --quiet --force -o "$out/w.parquet"
        done
    done
done
grep -m1 'model name' /proc/cpuinfo
for w in 1 2 3; do
    # shellcheck disable=SC2086 # the lists are meant to split
    a=$(median ${times[${w}off]}) b=$(median ${times[${w}on]})
    echo "W$w: v_stats off $a s, on $b s, on/off $(ratio "$b" "$a")"
done
