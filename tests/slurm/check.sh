#!/usr/bin/env bash
# lifsweep on a real SLURM cluster (started by tests/slurm/cluster.sh): the script that
# `lifsweep slurm` writes, submitted as a 4-task array, must give the single-machine file; then a
# second sweep whose tasks are stopped part-way by USR1 (what --signal=B:USR1@T sends before a
# time limit), resubmitted with `lifsweep status --missing-shards` until complete, must too.
#
#   tests/slurm/check.sh LIFSWEEP WORKDIR
set -euo pipefail
bin=$(realpath "${1:?usage: check.sh LIFSWEEP WORKDIR}")
work=$(realpath -m "${2:?usage: check.sh LIFSWEEP WORKDIR}")
mkdir -p "$work"
cd "$work"
passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAILED: $*"; failed=$((failed + 1)); }

# A directory name that would break an unquoted script, or run a command.
root="$work/runs/my sweep; \$(touch INJECTED) 'x'"
mkdir -p "$root"

cat >spec1.toml <<'EOF'
[simulation]
duration_ms = 500.0
neurons = 200
[[sweep]]
model = "noise"
mu_na = { start = 0.5, stop = 3.0, num = 24 }
sigma_na = [0.5, 1.0]
EOF
# About 30 core-seconds (4 tasks of 7 s on 2 cores), so that tasks can be stopped part-way.
cat >spec2.toml <<'EOF'
[simulation]
duration_ms = 2000.0
neurons = 4000
[[sweep]]
model = "noise"
mu_na = { start = 0.5, stop = 3.0, num = 60 }
sigma_na = [0.5, 1.0]
[[sweep]]
model = "poisson"
rate_hz = { start = 500.0, stop = 8000.0, num = 10, scale = "log" }
w_na = [0.05, 0.1]
tau_s_ms = 5.0
EOF

same_as_single() { # SPEC DIR NAME
    "$bin" run "$1" -o "$work/$3.single.parquet" --quiet --force >/dev/null
    "$bin" merge "$2" -o "$work/$3.merged.parquet" --force >/dev/null
    if cmp -s "$work/$3.single.parquet" "$work/$3.merged.parquet"; then
        ok "$3: the merged file is byte-identical to the single-machine run"
    else
        fail "$3: the merged file differs from the single-machine run"
    fi
}

tasks_in_jobcomp() { # ARRAY_JOB_ID STATE -> count
    grep "JobState=$2 " "$jobcomp" | grep -c "ArrayJobId=$1 " || true
}
jobcomp=${SLURM_JOBCOMP:?set SLURM_JOBCOMP to the cluster log/jobcomp.txt}

# 1. The generated array, as written.
ds1="$root/first"
"$bin" slurm spec1.toml --dataset "$ds1" --tasks 4 --chunk-jobs 4 --time 10 >slurm1.out
bash -n "$ds1/lifsweep.sbatch" && ok "the script is valid bash"
job=$(sbatch --parsable --wait "$ds1/lifsweep.sbatch") && ok "sbatch --wait returned 0 (array $job)" ||
    fail "sbatch --wait failed"
job=${job%%;*}
sleep 1
n=$(tasks_in_jobcomp "$job" COMPLETED)
[ "$n" = 4 ] && ok "4 array tasks COMPLETED" || fail "$n of 4 array tasks COMPLETED"
ls "$ds1/logs/${job}_"{0,1,2,3}.out >/dev/null && ok "a log per task in DIR/logs" || fail "logs missing"
grep -q "wrote 3 chunks" "$ds1/logs/${job}_1.out" && ok "task 1 wrote its 3 chunks" ||
    fail "task 1's log: $(cat "$ds1/logs/${job}_1.out")"
if "$bin" status "$ds1" >status1.out; then ok "status: complete"; else fail "status: $(cat status1.out)"; fi
same_as_single spec1.toml "$ds1" first
[ ! -e INJECTED ] && [ ! -e "$root/INJECTED" ] && ok "the directory name ran nothing" ||
    fail "the directory name ran a command"

# 2. Tasks stopped part-way by USR1, resubmitted until complete.
ds2="$root/second"
"$bin" slurm spec2.toml --dataset "$ds2" --tasks 4 --chunk-jobs 3 --time 30 >slurm2.out
job=$(sbatch --parsable "$ds2/lifsweep.sbatch")
job=${job%%;*}
# Wait until the tasks are running and some parts are done, then warn them as a time limit would.
for _ in $(seq 300); do
    [ "$(find "$ds2/parts" -name '*.parquet' | wc -l)" -ge 6 ] && break
    sleep 0.1
done
scancel --signal=USR1 --batch "$job"
for _ in $(seq 600); do
    [ -z "$(squeue -h -j "$job" 2>/dev/null)" ] && break
    sleep 0.2
done
sleep 1
stopped=$(grep -l "stopped by SIGUSR1" "$ds2/logs/${job}_"*.out 2>/dev/null | wc -l)
[ "$stopped" -ge 1 ] && ok "$stopped tasks stopped by USR1 and said so" || fail "no task logged its stop"
n=$(tasks_in_jobcomp "$job" FAILED)
grep "ArrayJobId=$job " "$jobcomp" | grep -q "ExitCode=75:0" && ok "stopped tasks exit 75 ($n FAILED)" ||
    fail "no task exited 75: $(grep "ArrayJobId=$job " "$jobcomp")"
rc=0
"$bin" status "$ds2" >status2.out || rc=$?
[ $rc = 3 ] && ok "status exits 3 while work remains" || fail "status exited $rc after the stop"
rounds=0
while true; do
    missing=$("$bin" status "$ds2" --missing-shards) && break # exit 0: complete
    rounds=$((rounds + 1))
    [ $rounds -le 5 ] || { fail "still missing shards $missing after 5 resubmissions"; break; }
    echo "resubmitting shards $missing"
    sbatch --parsable --wait --array="$missing" "$ds2/lifsweep.sbatch" >/dev/null || true
done
if "$bin" status "$ds2" >status2.out; then
    ok "complete after $rounds resubmission(s)"
else
    fail "not complete: $(cat status2.out)"
fi
same_as_single spec2.toml "$ds2" second

echo "slurm: $passed passed, $failed failed"
[ "$failed" = 0 ]
