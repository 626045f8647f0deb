#!/usr/bin/env bash
# A real single-node SLURM cluster on loopback, for the integration test (tests/slurm/check.sh).
#
#   tests/slurm/cluster.sh install   # Debian's slurmctld, slurmd, slurm-client, munge (as root)
#   tests/slurm/cluster.sh start DIR # config, state and logs under DIR; waits until the node is idle
#   tests/slurm/cluster.sh stop DIR  # stops the daemons this script started (never a munged it
#                                    # found running)
#
# The recipe's quirks (docs/cluster.md, "A SLURM cluster for the tests"): node named localhost (slurmd -N), no
# systemd or cgroups, small MinJobAge and bf_interval so that arrays finish in seconds, 8 CPUs
# configured on the 2-core machine so that 4 array tasks run at once.
set -euo pipefail
trap '' PIPE

cmd=${1:?usage: cluster.sh install|start DIR|stop DIR}

install() {
    local pkgs=(slurmctld slurmd slurm-client munge)
    local ok
    ok=$(dpkg-query -W -f='${Status}\n' "${pkgs[@]}" 2>/dev/null | grep -c 'install ok installed' || true)
    if [ "$ok" -ne ${#pkgs[@]} ]; then
        # Keep the packages' scripts from starting daemons themselves.
        local added=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
            chmod +x /usr/sbin/policy-rc.d
            added=1
        fi
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
        [ -n "$added" ] && rm -f /usr/sbin/policy-rc.d
    fi
    return 0
}

alive() { # PID: running and not a zombie (PID 1 here reaps late)
    local st
    st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
    [[ $st != Z* ]]
}

start() {
    local d
    d=$(realpath -m "${1:?start DIR}")
    mkdir -p "$d"/{state,spool,log}
    chown slurm:slurm "$d/state" "$d/log"
    mkdir -p /run/munge && chown munge:munge /run/munge
    if ! munge -n </dev/null >/dev/null 2>&1; then
        runuser -u munge -- /usr/sbin/munged
        cat /run/munge/munged.pid >"$d/munged.started"
    fi
    local mem
    mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
    cat >"$d/slurm.conf" <<EOF
ClusterName=lifsweep-test
SlurmctldHost=localhost
SlurmctldPort=6817
SlurmdPort=6818
AuthType=auth/munge
CredType=cred/munge
SlurmUser=slurm
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$d/log/jobcomp.txt
SchedulerType=sched/backfill
SchedulerParameters=bf_interval=1
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MinJobAge=4
EnforcePartLimits=ALL
ReturnToService=2
SlurmdParameters=config_overrides
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
NodeName=localhost NodeAddr=127.0.0.1 CPUs=8 Boards=1 SocketsPerBoard=1 CoresPerSocket=8 ThreadsPerCore=1 RealMemory=$((mem * 9 / 10))
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    mkdir -p /etc/slurm
    ln -sfn "$d/slurm.conf" /etc/slurm/slurm.conf
    slurmctld -f "$d/slurm.conf"
    slurmd -f "$d/slurm.conf" -N localhost
    local i
    for i in $(seq 100); do
        [ "$(sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] && return 0
        sleep 0.2
    done
    echo "cluster.sh: the node did not become idle; logs in $d/log" >&2
    return 1
}

stop() {
    local d
    d=$(realpath -m "${1:?stop DIR}")
    local f pid
    for f in slurmd.pid slurmctld.pid munged.started; do
        [ -f "$d/$f" ] || continue
        pid=$(cat "$d/$f")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
        rm -f "$d/$f"
    done
    if [ "$(readlink /etc/slurm/slurm.conf)" = "$d/slurm.conf" ]; then
        rm -f /etc/slurm/slurm.conf
    fi
    return 0
}

case $cmd in
install) install ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
*) echo "usage: cluster.sh install|start DIR|stop DIR" >&2; exit 2 ;;
esac
