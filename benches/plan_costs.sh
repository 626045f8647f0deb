#!/usr/bin/env bash
# The measured runs behind plan.rs's cost model, beside what `plan` estimates for them: whole
# processes on one thread (best of 3). The shapes that isolate each term (steps, neurons, jobs)
# come first, then the example sweeps and the benchmark workloads. tests/suite/plan_accuracy.rs
# holds the estimate to these measurements (+-30%), on their shapes.
# Usage: bash benches/plan_costs.sh   (builds the release binary first)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$(realpath target/release/lifsweep)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shape() { # NAME MODEL PARAMS NEURONS DURATION_MS AXES
    printf '[neuron]\nt_ref_ms = 2.0\n[simulation]\nduration_ms = %s\nneurons = %s\n[[sweep]]\nmodel = "%s"\n%s\n%s\n' \
        "$5" "$4" "$2" "$3" "$6" >"$work/$1.toml"
}
params() {
    case $1 in
    constant) echo 'mu_na = 2.0' ;;
    sine) printf 'mu_na = 1.6\namp_na = 0.5\nperiod_ms = 50.0' ;;
    noise) printf 'mu_na = 1.4\nsigma_na = 0.5' ;;
    poisson) printf 'rate_hz = 2000.0\nw_na = 0.1\ntau_s_ms = 5.0' ;;
    esac
}
for m in constant sine noise poisson; do
    shape "steps_$m" $m "$(params $m)" 25600 2000.0 ""
    shape "neurons_$m" $m "$(params $m)" 10000000 0.1 ""
    axes='tau_m_ms = { start = 5.0, stop = 20.0, num = 1000 }
e_l_mv = { start = -70.0, stop = -60.0, num = 1000 }'
    shape "jobs_$m" $m "$(params $m)" 1 0.1 "$axes"
done
for f in "$work"/*.toml sweeps/*.toml; do
    best=
    for _ in 1 2 3; do
        s=$EPOCHREALTIME
        "$bin" run "$f" --threads 1 --quiet --force -o "$work/out.parquet" >/dev/null
        e=$EPOCHREALTIME
        t=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.4f", e - s }')
        best=$(awk -v a="${best:-1e9}" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
    done
    est=$("$bin" plan "$f" --threads 1 | sed -n 's/estimated wall time on 1 threads: \([0-9.]*\) \([a-z]*\).*/\1 \2/p')
    echo "$(basename "$f" .toml): measured $best s, plan $est"
done
