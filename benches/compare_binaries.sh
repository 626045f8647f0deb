#!/usr/bin/env bash
# W1-W4 (whole processes, one thread or THREADS) with an older binary and this one, RUNS interleaved
# rounds (default 11): median wall times and their ratio new/old (of the medians, and the
# median of each round's ratio). For "no slower than before"
# checks of a change (docs/performance.md); the machine drifts over minutes, so only ratios
# measured in one run mean anything.
# Usage: bash benches/compare_binaries.sh OLD_LIFSWEEP [RUNS] [THREADS]   (builds this release
# binary first; THREADS defaults to 1)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
old=$(realpath "${1:?usage: compare_binaries.sh OLD_LIFSWEEP [RUNS] [THREADS]}")
new=$(realpath target/release/lifsweep)
runs=${2:-11}
threads=${3:-1}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source benches/lib.sh
for _ in $(seq "$runs"); do
    for w in 1 2 3 4; do
        for which in old new; do
            bin=$([ $which = old ] && echo "$old" || echo "$new")
            timed "$w$which" "$bin" run "sweeps/bench_w$w.toml" --threads "$threads" --quiet --force -o "$out/w.parquet"
        done
    done
done
grep -m1 'model name' /proc/cpuinfo
echo "$threads thread(s)"
for w in 1 2 3 4; do
    # shellcheck disable=SC2086 # the lists are meant to split
    o=$(median ${times[${w}old]}) n=$(median ${times[${w}new]})
    echo "W$w: old $o s, new $n s, new/old $(ratio "$n" "$o") (median of the rounds' ratios $(paired "${w}new" "${w}old"))"
done
