#!/usr/bin/env bash
# The new input parts against the ones they extend (issue 14's targets), one thread, whole
# processes, RUNS interleaved rounds (default 7), medians: W1's grid as white noise and as OU
# noise (ou_tau_ms = 2, ou_sigma_na as W1's sigma_na), W2's grid as Poisson and as excitation +
# inhibition (a second 1 kHz, -0.1 nA, 5 ms source). Prints each median and the ratios (of the
# medians, and the median of each round's ratio).
# Usage: bash benches/parts.sh [RUNS]   (builds this release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$(realpath target/release/lifsweep)
runs=${1:-7}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed 's/^model = "noise"/model = "ou"\nou_tau_ms = 2.0/; s/^sigma_na =/ou_sigma_na =/' \
    sweeps/bench_w1.toml > "$out/ou.toml"
sed 's/^model = "poisson"/model = "poisson+poisson_i"\nrate_i_hz = 1000.0\nw_i_na = -0.1\ntau_i_ms = 5.0/' \
    sweeps/bench_w2.toml > "$out/ei.toml"
source benches/lib.sh
for _ in $(seq "$runs"); do
    for w in noise:sweeps/bench_w1.toml ou:"$out/ou.toml" poisson:sweeps/bench_w2.toml ei:"$out/ei.toml"; do
        timed "${w%%:*}" "$bin" run "${w#*:}" --threads 1 --quiet --force -o "$out/w.parquet"
    done
done
grep -m1 'model name' /proc/cpuinfo
# shellcheck disable=SC2086 # the lists are meant to split
noise=$(median ${times[noise]}) ou=$(median ${times[ou]}) poisson=$(median ${times[poisson]}) ei=$(median ${times[ei]})
echo "noise $noise s, ou $ou s: ou/noise $(ratio "$ou" "$noise") (median of the rounds' ratios $(paired ou noise))"
echo "poisson $poisson s, poisson+poisson_i $ei s: ei/poisson $(ratio "$ei" "$poisson") (median of the rounds' ratios $(paired ei poisson))"
