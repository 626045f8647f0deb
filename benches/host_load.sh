#!/usr/bin/env bash
# How busy the host under this VM is, before trusting a timing: the same shell loop (300,000
# additions) timed alone and then twice side by side, one per core. On a quiet 2-core VM the
# pair takes about as long as one loop alone; when the host's other guests take the cores, the
# pair takes 1.2-2x as long, and every two-thread run (and W4/W5 even on one thread, whose
# writer thread takes the second core) slows down with it (docs/performance.md). It also shows a
# leftover process of your own: `top` should show nothing else running. On the AMD EPYC Zen 3
# development VM the loop alone took 1.07 s in a quiet spell and up to 2.1 s in a busy one.
# Usage: bash benches/host_load.sh
set -euo pipefail
loop() {
    local start=$EPOCHREALTIME i=0
    while [ $i -lt 300000 ]; do i=$((i + 1)); done
    awk -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "%.2f\n", e - s }'
}
alone=$(loop)
pair=$( (loop & loop & wait) | sort -g | tail -1)
echo "one loop alone ${alone} s, two side by side ${pair} s (the slower): ratio" \
    "$(awk -v a="$alone" -v p="$pair" 'BEGIN { printf "%.2f", p / a }')"
