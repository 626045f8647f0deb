#!/usr/bin/env bash
# lifsweep against Brian2's C++ standalone mode on W1-W3, one thread, in one run: RUNS rounds
# (default 3), each running every workload in Brian2 (benches/brian2_baseline.py: its
# simulation binary as a whole process) and in lifsweep (whole process) one after the other, so
# both see the same machine. Prints the medians, their ratio, and the median of each round's
# ratio.
# Usage: bash benches/versus_brian2.sh PYTHON [RUNS]
#   PYTHON: an interpreter with Brian2 (`python3 -m venv b2 && b2/bin/pip install brian2
#   "numpy<2.3"`) and a C++ compiler on the PATH.   (builds this release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
python=${1:?usage: versus_brian2.sh PYTHON [RUNS]}
runs=${2:-3}
bin=$(realpath target/release/lifsweep)
script=$(realpath benches/brian2_baseline.py)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source benches/lib.sh
declare -A brian
steps=([1]=9.3e8 [2]=1.26e9 [3]=1.0e8)
for _ in $(seq "$runs"); do
    for w in 1 2 3; do
        line=$(cd "$out" && "$python" "$script" "W$w" 1 | tail -1)
        brian[$w]="${brian[$w]:-} $(sed -n 's/.*run \([0-9.]*\) s.*/\1/p' <<<"$line")"
        timed "$w" "$bin" run "sweeps/bench_w$w.toml" --threads 1 --quiet --force -o "$out/w.parquet"
        times[b$w]="${times[b$w]:-} ${brian[$w]##* }"
    done
done
grep -m1 'model name' /proc/cpuinfo
for w in 1 2 3; do
    # shellcheck disable=SC2086 # the lists are meant to split
    b=$(median ${brian[$w]}) l=$(median ${times[$w]})
    awk -v w="$w" -v b="$b" -v l="$l" -v n="${steps[$w]}" 'BEGIN {
        printf "W%s one thread: Brian2 %.3f s (%.3g neuron-steps/s), lifsweep %.3f s (%.3g): %.1fx\n",
            w, b, n / b, l, n / l, b / l }'
    echo "W$w: median of the rounds' ratios $(paired "b$w" "$w")x"
done
