#!/usr/bin/env bash
# lifsweep on a real SLURM cluster (started by tests/slurm/cluster.sh): the script that
# `lifsweep slurm` writes, submitted as a 4-task array, must give the single-machine file; then a
# second sweep whose tasks are stopped part-way by USR1 (what --signal=B:USR1@T sends before a
# time limit), resubmitted with `lifsweep status --missing-shards` until complete, must too;
# and as PID 1 of a PID namespace (a container), SIGTERM must stop a run gracefully.
#
#   tests/slurm/check.sh LIFSWEEP WORKDIR
set -euo pipefail
bin=$(realpath "${1:?usage: check.sh LIFSWEEP WORKDIR}")
repo=$(realpath "$(dirname "$0")/../..")
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

# 0. The README's workstation commands, as written there (a kill -9 half-way, then the same).
mkdir -p sweeps && cp "$repo/sweeps/noise_sigma_family.toml" sweeps/
"$bin" run sweeps/noise_sigma_family.toml --dataset runs/sigma-ws --chunk-jobs 10 >/dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do
    [ "$(find runs/sigma-ws/parts -name '*.parquet' 2>/dev/null | wc -l)" -ge 3 ] && break
    sleep 0.05
done
kill -9 $pid
wait $pid 2>/dev/null || true
rc=0
"$bin" status runs/sigma-ws >/dev/null || rc=$?
[ $rc = 3 ] && ok "README: killed half-way, status exits 3" || fail "README: status exited $rc after kill -9"
"$bin" run --dataset runs/sigma-ws >/dev/null && ok "README: the same command continues" ||
    fail "README: the rerun failed"
"$bin" status runs/sigma-ws >/dev/null && ok "README: status complete" || fail "README: not complete"
"$bin" merge runs/sigma-ws -o sigma-ws.parquet >/dev/null
"$bin" run sweeps/noise_sigma_family.toml -o sigma.single.parquet --quiet >/dev/null
cmp -s sigma-ws.parquet sigma.single.parquet && ok "README: the resumed run merges byte-identical" ||
    fail "README: the resumed run's merge differs"

# 1. The README's SLURM commands, as written there.
"$bin" slurm sweeps/noise_sigma_family.toml --dataset runs/sigma --tasks 4 --chunk-jobs 10 --time 30:00 >slurm1.out
bash -n runs/sigma/lifsweep.sbatch && ok "the script is valid bash"
job=$(sbatch --parsable --wait runs/sigma/lifsweep.sbatch) && ok "sbatch --wait returned 0 (array $job)" ||
    fail "sbatch --wait failed"
job=${job%%;*}
sleep 1
n=$(tasks_in_jobcomp "$job" COMPLETED)
[ "$n" = 4 ] && ok "4 array tasks COMPLETED" || fail "$n of 4 array tasks COMPLETED"
ls runs/sigma/logs/"${job}_"{0,1,2,3}.out >/dev/null && ok "a log per task in DIR/logs" || fail "logs missing"
grep -q "wrote 8 chunks" runs/sigma/logs/"${job}_1.out" && ok "task 1 wrote its 8 chunks" ||
    fail "task 1's log: $(cat runs/sigma/logs/"${job}_1.out")"
if "$bin" status runs/sigma >status1.out; then ok "status: complete"; else fail "status: $(cat status1.out)"; fi
missing=$("$bin" status runs/sigma --missing-shards)
[ -z "$missing" ] && ok "no missing shards" || fail "missing shards: $missing"
"$bin" merge runs/sigma -o sigma.parquet >/dev/null
cmp -s sigma.parquet sigma.single.parquet && ok "README: the array's merge is byte-identical to one machine's" ||
    fail "README: the array's merge differs"

# 2. Tasks stopped part-way by USR1, resubmitted until complete.
ds2="$root/second"
# (the directory name would break an unquoted script, or run a command)
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
[ ! -e INJECTED ] && [ ! -e "$root/INJECTED" ] && ok "the directory name ran nothing" ||
    fail "the directory name ran a command"

# 3. lifsweep as PID 1 of a PID namespace (a container), where an uncaught SIGTERM is ignored.
if unshare -fp --mount-proc true 2>/dev/null; then
    unshare -fp --mount-proc "$bin" run spec2.toml --dataset pid1 --chunk-jobs 3 --threads 1 \
        >pid1.out 2>&1 &
    for _ in $(seq 300); do
        [ "$(find pid1/parts -name '*.parquet' 2>/dev/null | wc -l)" -ge 2 ] && break
        sleep 0.1
    done
    inner=$(pgrep -f "run spec2.toml --dataset pid1" | while read -r p; do
        grep -q $'^NSpid:\t[0-9]*\t1$' /proc/"$p"/status && echo "$p"; done | head -1)
    kill -TERM "$inner"
    wait
    grep -q "stopped by SIGTERM" pid1.out && ok "as PID 1, SIGTERM stops a run gracefully" ||
        fail "as PID 1: $(cat pid1.out)"
else
    fail "unshare cannot make a PID namespace here (root needed)"
fi

echo "slurm: $passed passed, $failed failed"
[ "$failed" = 0 ]
