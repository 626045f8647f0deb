#!/usr/bin/env bash
# What dataset mode costs over single-file mode (README "Running on a cluster"), and whether
# single-file runs got slower than an older binary: whole-process wall times, RUNS interleaved
# rounds (default 11), medians. Each round runs, for W1 (noise, 93 jobs, 1 thread) and a tenth
# of W5 ("W5/10": 100,000 one-neuron noise jobs, 2 threads; the W4 of the sessions before
# 2026-12-01's fourth): the old binary to one file, this one to one file,
# this one into a fresh dataset directory with its default chunks, and with --chunk-jobs giving
# about 10 parts; and W2, W3 to one file with both binaries (1 thread).
# Usage: bash benches/dataset_overhead.sh OLD_LIFSWEEP [RUNS]   (builds this release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
old=$(realpath "${1:?usage: dataset_overhead.sh OLD_LIFSWEEP [RUNS]}")
new=$(realpath target/release/lifsweep)
runs=${2:-11}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed 's/sigma_na = { start = 0.1, stop = 2.0, num = 1000 }/sigma_na = { start = 0.1, stop = 2.0, num = 100 }/' \
    sweeps/bench_w5.toml > "$out/w5-tenth.toml"
source benches/lib.sh
fresh() { # NAME COMMAND...: timed, from no output
    rm -rf "$out/ds" "$out/w.parquet"
    timed "$@"
}
for _ in $(seq "$runs"); do
    for w in 1 5/10; do
        t=$([ $w = 1 ] && echo 1 || echo 2)
        k=$([ $w = 1 ] && echo 10 || echo 10000)
        spec=$([ $w = 1 ] && echo sweeps/bench_w1.toml || echo "$out/w5-tenth.toml")
        fresh "W$w old file" "$old" run "$spec" --threads $t --quiet -o "$out/w.parquet"
        fresh "W$w file" "$new" run "$spec" --threads $t --quiet -o "$out/w.parquet"
        fresh "W$w dataset" "$new" run "$spec" --threads $t --quiet --dataset "$out/ds"
        fresh "W$w dataset k=$k" "$new" run "$spec" --threads $t --quiet --dataset "$out/ds" \
            --chunk-jobs $k
    done
    for w in 2 3; do
        fresh "W$w old file" "$old" run sweeps/bench_w$w.toml --threads 1 --quiet -o "$out/w.parquet"
        fresh "W$w file" "$new" run sweeps/bench_w$w.toml --threads 1 --quiet -o "$out/w.parquet"
    done
done
for name in "W1 old file" "W1 file" "W1 dataset" "W1 dataset k=10" \
    "W5/10 old file" "W5/10 file" "W5/10 dataset" "W5/10 dataset k=10000" \
    "W2 old file" "W2 file" "W3 old file" "W3 file"; do
    # shellcheck disable=SC2086 # the lists are meant to split
    echo "$name: median $(median ${times[$name]}) s (${times[$name]} )"
done
