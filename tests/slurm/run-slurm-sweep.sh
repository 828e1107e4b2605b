#!/bin/sh
# run-slurm-sweep.sh — scripts/sweep.sh --slurm on a real Slurm: a single-node cluster on
# 127.0.0.1 made from Debian's packages (munge, slurmctld, slurmd, slurm-client; 22.05),
# then the done-when sweep of the issue: configs/baseline.yaml, four grid points x two
# seeds, as a job array, on generated MNIST-format data with two epochs per run. Passes
# when every array task finished and `nnrun report` shows eight runs in four groups.
#
# Needs root (the daemons) and Debian's archive when the packages are missing. Everything
# it makes lives in one directory under /tmp (the Slurm configuration, state, spool, logs,
# data, the sweep); munged runs as the munge user (or an already running munged is used).
# Every wait is bounded; at exit the jobs are cancelled and the daemons it started are
# stopped by their PIDs. Called by .ci/run after `make test`.
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)

say() {
    echo "slurm-test: $*"
}

die() {
    echo "slurm-test: FAIL: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root: slurmd and munged are started here"

# --- packages --------------------------------------------------------------------------------
missing=""
for p in munge slurmctld slurmd slurm-client; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing$missing"
    apt-get update -qq
    # RUNLEVEL=1: the packages' services are not started; this script starts its own
    RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
command -v sbatch >/dev/null || die "sbatch missing after installing slurm-client"

# --- nnrun and the fixture tool -----------------------------------------------------------
make -s all build/tools/mkfixture >/dev/null
nnrun=$root/bin/nnrun

W=$(mktemp -d /tmp/nnrun-slurm.XXXXXX)
munged_pid=""
ctld_pid=""
slurmd_pid=""
ok=false

# stop PID NAME: TERM, up to 10 s, then KILL
stop() {
    [ -n "$1" ] || return 0
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null || true
    i=0
    while kill -0 "$1" 2>/dev/null && [ $i -lt 50 ]; do
        sleep 0.2
        i=$((i + 1))
    done
    if kill -0 "$1" 2>/dev/null; then
        say "$2 ($1) did not stop in 10 s: KILL"
        kill -KILL "$1" 2>/dev/null || true
    fi
}

cleanup() {
    status=$?
    set +e
    if [ -n "$ctld_pid" ] && kill -0 "$ctld_pid" 2>/dev/null; then
        # no job may outlive the cluster: cancel, then wait (bounded) for the queue to empty
        scancel --partition=debug >/dev/null 2>&1
        i=0
        while [ -n "$(squeue -h 2>/dev/null)" ] && [ $i -lt 30 ]; do
            sleep 1
            i=$((i + 1))
        done
    fi
    stop "$slurmd_pid" slurmd
    stop "$ctld_pid" slurmctld
    stop "$munged_pid" munged
    if ! $ok; then
        for f in "$W"/slurmctld.log "$W"/slurmd.log "$W"/munged.log "$W"/sweep/logs/*; do
            [ -f "$f" ] || continue
            echo "--- $f (last 30 lines)" >&2
            tail -n 30 "$f" >&2
        done
    fi
    rm -rf "$W"
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- munge -----------------------------------------------------------------------------------
if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "using the munged already running"
else
    if [ ! -s /etc/munge/munge.key ]; then
        mungekey --create --keyfile=/etc/munge/munge.key
    fi
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    mkdir -p /run/munge /var/lib/munge /var/log/munge
    chown munge:munge /run/munge /var/lib/munge /var/log/munge
    chmod 0755 /run/munge
    # in the foreground of a background job: $! is munged itself (setpriv execs it)
    setpriv --reuid=munge --regid=munge --init-groups \
        /usr/sbin/munged --foreground --force >"$W/munged.log" 2>&1 &
    munged_pid=$!
    i=0
    until munge -n 2>/dev/null | unmunge >/dev/null 2>&1; do
        i=$((i + 1))
        [ $i -le 50 ] || die "munged did not answer within 10 s"
        kill -0 "$munged_pid" 2>/dev/null || die "munged exited"
        sleep 0.2
    done
    say "munged running as $(ps -o user= -p "$munged_pid") (pid $munged_pid)"
fi

# --- a one-node cluster on 127.0.0.1 ---------------------------------------------------
mkdir -p "$W/state" "$W/spool"
cpus=$(nproc)
# ports of our own, so that nothing else on the machine is in the way
port=$((17000 + ($$ % 1000) * 2))
host=$(hostname -s)
cat >"$W/slurm.conf" <<EOF
ClusterName=nnrun-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$W/state
SlurmdSpoolDir=$W/spool
SlurmctldPidFile=$W/slurmctld.pid
SlurmdPidFile=$W/slurmd.pid
SlurmctldLogFile=$W/slurmctld.log
SlurmdLogFile=$W/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$W/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" >"$W/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N localhost -f "$SLURM_CONF" >"$W/slurmd.out" 2>&1 &
slurmd_pid=$!
i=0
until [ "$(sinfo -h -n localhost -o %T 2>/dev/null)" = idle ]; do
    i=$((i + 1))
    [ $i -le 60 ] || die "the node did not become idle within 60 s: $(sinfo -h -o '%T %E' 2>&1)"
    kill -0 "$ctld_pid" 2>/dev/null || die "slurmctld exited: $(tail -n 5 "$W/slurmctld.out")"
    kill -0 "$slurmd_pid" 2>/dev/null || die "slurmd exited: $(tail -n 5 "$W/slurmd.out")"
    sleep 1
done
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %T') (slurmctld $ctld_pid, slurmd $slurmd_pid)"

# --- the sweep -------------------------------------------------------------------------
mkdir -p "$W/data/mnist"
"$root/build/tools/mkfixture" mnist "$W/data/mnist" 600 200 || die "fixture data"
export NNRUN_DATA="$W/data"
started=$(date +%s)
sh scripts/sweep.sh configs/baseline.yaml \
    --grid compile.optimizer.sgd.learning_rate=0.01,0.05 --grid fit.batch_size=32,128 \
    --seeds 2 --set fit.epochs=2 --out "$W/sweep" --nnrun "$nnrun" \
    --slurm --partition debug --time 00:10:00 --cpus-per-task 1 \
    --wait --wait-timeout 300 >"$W/sweep.out" 2>&1 || { cat "$W/sweep.out"; die "the Slurm sweep failed"; }
cat "$W/sweep.out"
say "sweep under Slurm took $(($(date +%s) - started)) s"

# one log per array task, four tasks, every point with both seeds' rows
[ "$(ls "$W"/sweep/logs/slurm-*_*.out 2>/dev/null | wc -l)" -eq 4 ] || die "expected 4 task logs"
grep -q "submitted job array" "$W/sweep.out" || die "no job array was submitted"
"$nnrun" report --runs --format csv "$W/sweep" >"$W/runs.csv"
[ "$(tail -n +2 "$W/runs.csv" | wc -l)" -eq 8 ] || die "expected 8 runs: $(cat "$W/runs.csv")"
"$nnrun" report --format csv "$W/sweep" >"$W/groups.csv"
[ "$(tail -n +2 "$W/groups.csv" | wc -l)" -eq 4 ] || die "expected 4 groups: $(cat "$W/groups.csv")"
[ "$(tail -n +2 "$W/groups.csv" | cut -d, -f3 | sort -u)" = 2 ] || die "every group must have 2 runs"
grep -q '8 runs in 4 experiments' "$W/sweep.out" || die "the sweep's report lacks the summary line"
# a second submission finds everything finished and submits nothing
sh scripts/sweep.sh configs/baseline.yaml \
    --grid compile.optimizer.sgd.learning_rate=0.01,0.05 --grid fit.batch_size=32,128 \
    --seeds 2 --set fit.epochs=2 --out "$W/sweep" --nnrun "$nnrun" --slurm --wait \
    --wait-timeout 60 >"$W/again.out" || die "the repeated sweep failed"
grep -q "0 to train" "$W/again.out" || die "a finished sweep was trained again"
grep -q "submitted" "$W/again.out" && die "a finished sweep was submitted again"
ok=true
say "ok: 4 array tasks, 8 runs, 4 groups of 2 seeds"
