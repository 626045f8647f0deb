#!/usr/bin/env bash
# W5 (a million one-neuron noise jobs of 100 steps) against numpy stepping the same grid as one
# array (benches/numpy_baseline.py W5; its own timing of the stepping loop, without Python's
# start-up and the array set-up, which favours numpy), in one run, interleaved: lifsweep as a
# whole process with the theory columns and with `theory = false`, on 1 and 2 threads. Prints
# the medians and numpy's time over lifsweep's.
# Usage: bash benches/versus_numpy.sh PYTHON [RUNS]   (PYTHON: an interpreter with numpy;
# builds the release binary first; RUNS defaults to 5)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:?usage: versus_numpy.sh PYTHON [RUNS]}
runs=${2:-5}
cargo build --release --quiet
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
source benches/lib.sh
sed 's/^neurons = 1$/neurons = 1\ntheory = false/' sweeps/bench_w5.toml >"$out/no_theory.toml"
grep -q '^theory = false' "$out/no_theory.toml"
declare -A numpy_times
for _ in $(seq "$runs"); do
  line=$("$python" benches/numpy_baseline.py W5)
  numpy_times[W5]="${numpy_times[W5]:-} $(sed -n 's/.* in \([0-9.]*\) s: .*/\1/p' <<<"$line")"
  for t in 1 2; do
    timed "theory $t" ./target/release/lifsweep run sweeps/bench_w5.toml --threads "$t" \
      --quiet --force -o "$out/w5.parquet"
    timed "no theory $t" ./target/release/lifsweep run "$out/no_theory.toml" --threads "$t" \
      --quiet --force -o "$out/w5.parquet"
  done
done
# shellcheck disable=SC2086 # the lists are meant to split
numpy=$(median ${numpy_times[W5]})
echo "numpy W5: median ${numpy} s (${numpy_times[W5]} )"
for name in "theory 1" "no theory 1" "theory 2" "no theory 2"; do
  # shellcheck disable=SC2086
  m=$(median ${times[$name]})
  echo "lifsweep W5 ${name} thread(s): median ${m} s, numpy / lifsweep $(ratio "$numpy" "$m") (${times[$name]} )"
done
