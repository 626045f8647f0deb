#!/usr/bin/env bash
# Instructions per job (engine threads) and per row (the Parquet writer thread), counted by
# valgrind's callgrind: unlike wall times, which drift by 10-40% within an hour on the
# development VMs (docs/performance.md), the counts repeat to within 1% (the writer's to the
# instruction), so a change of a few percent shows. They leave out what instructions do not show (cache misses, barriers,
# idle cores): time a change too, interleaved (benches/lib.sh), before believing it.
#
# The workload is W5 with 100 noise levels instead of 1000 (100,000 one-neuron noise jobs of 100
# steps, one thread). The white-noise tables are built once per process by whichever thread
# asks first (under valgrind usually the engine's): their instructions are counted apart.
#
# Usage: bash benches/instructions.sh [BINARY...]   (default: this tree's release build;
# needs valgrind: apt-get install valgrind)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
  cargo build --release --quiet
  set -- ./target/release/lifsweep
fi
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 2; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
sed 's/^sigma_na = { start = 0.1, stop = 2.0, num = 1000 }$/sigma_na = { start = 0.1, stop = 2.0, num = 100 }/' \
  sweeps/bench_w5.toml >"$out/w5_100k.toml"
grep -q 'num = 100 }$' "$out/w5_100k.toml"
jobs=100000
# The inclusive count of the first function matching $2 in callgrind file $1 (0 if none).
inclusive() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v pat="$2" '$0 ~ pat { gsub(",", "", $1); print $1; found = 1; exit } END { if (!found) print 0 }'
}
n=0
for bin in "$@"; do
  n=$((n + 1))
  dir="$out/$n"
  mkdir -p "$dir"
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$dir/cg.%p" \
    "$(realpath "$bin")" run "$out/w5_100k.toml" --threads 1 --quiet --force \
    -o "$dir/w5.parquet" >/dev/null 2>"$dir/valgrind.log"
  engine=0 writer=0 tables=0
  for f in "$dir"/cg.*-*; do
    total=$(sed -n 's/^summary: //p' "$f")
    t=$(inclusive "$f" 'siegert_tables::Tables::new')
    tables=$((tables + t))
    if [ "$(inclusive "$f" 'RowSink>::push_rows')" != 0 ]; then
      writer=$((writer + total))
    elif [ "$(inclusive "$f" 'lifsweep::engine::run_ids')" != 0 ]; then
      engine=$((engine + total - t))
    fi
  done
  echo "$bin: engine $((engine / jobs)) instructions a job, writer $((writer / jobs)) a row," \
    "tables $((tables / 1000000))M once (W5 with 100 sigmas, one thread)"
done
