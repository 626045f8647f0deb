#!/usr/bin/env bash
# Fuzzes the spec reader for SECONDS (default 60) with libFuzzer, seeded with sweeps/ and the
# bad specs in fuzz/seeds/; exits non-zero on a crash, a hang (-timeout) or a memory blow-up
# (-rss_limit_mb), leaving the input in fuzz/artifacts/spec/. Needs a nightly toolchain and
# cargo-fuzz (`cargo install --locked cargo-fuzz`).
#   bash fuzz/run.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
cp ../sweeps/*.toml seeds/*.toml "$corpus"/
cargo +nightly fuzz run spec "$corpus" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 2>&1 | tail -n 25
