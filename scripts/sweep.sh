#!/bin/sh
# sweep.sh — a hyperparameter grid: every combination of the --grid values, each point
# trained with --seeds N through nnrun's --set, locally (J points at a time) or as a Slurm
# job array (one array task per point). A point counts as finished when its results.csv
# holds a row for every seed, so running the same command again continues an interrupted
# sweep; an unfinished point is cleared and trained again whole. Ends with `nnrun report`.
#
# Layout of a sweep directory (default runs/sweep-<config name>):
#   <point>/seed<S>/     run directories (config.yaml, history.csv, results.json, ...)
#   <point>/results.csv  the point's rows, one per seed
#   logs/                one log per point (locally) or per array task (Slurm)
#   .sweep/<stamp>/      what each invocation ran: the points' arguments, the Slurm script
set -eu
set -f # values such as [28, 28] are not file patterns

usage() {
    cat <<'EOF'
Usage: scripts/sweep.sh CONFIG --grid KEY=V1,V2[,...] [--grid ...] [OPTIONS]

Trains CONFIG for every combination of the grid values (each --grid is one axis; values
are split on commas and passed to nnrun as --set KEY=VALUE), each point with N seeds.

Options:
  --grid KEY=V1,V2,...   one axis of the grid (repeatable; at least one)
  --set KEY=VALUE        an override for every point (repeatable), e.g. --set fit.epochs=5
  --seeds N              seeds per point (default 1): the config's seed S to S+N-1
  --jobs J               points trained at once, locally (default 1)
  --threads T            threads per point (default: cores / J; under Slurm the
                         task's --cpus-per-task)
  --out DIR              the sweep directory (default runs/sweep-<config file name>)
  --nnrun PATH           the nnrun binary (default $NNRUN, bin/nnrun next to this
                         script's directory, or nnrun on PATH)
  --slurm                submit the points as a Slurm job array (sbatch --array) and return
  --partition P, --time T, --cpus-per-task C
                         passed to sbatch with --slurm
  --wait                 with --slurm: wait for the array to end, then print the report
  --wait-timeout S       give up waiting after S seconds (default 86400)
  -h, --help             show this help

Examples:
  scripts/sweep.sh configs/baseline.yaml \
      --grid compile.optimizer.sgd.learning_rate=0.01,0.05 --grid fit.batch_size=32,128 \
      --seeds 2 --jobs 2
  scripts/sweep.sh configs/baseline.yaml --grid fit.batch_size=32,64,128 --seeds 3 \
      --slurm --partition cpu --time 00:30:00 --cpus-per-task 4 --wait

Exit status: 0 when every point finished; 1 when a point failed (see its log) or the
wait timed out; 2 for a usage error; 130 when interrupted.
EOF
}

die() {
    echo "sweep.sh: error: $*" >&2
    echo "Try 'scripts/sweep.sh --help' for more information." >&2
    exit 2
}

say() {
    echo "sweep: $*"
}

# shquote WORD: WORD in single quotes, for a generated shell script
shquote() {
    printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$(pwd)" "$1" ;;
    esac
}

# point_done DIR SEEDS: DIR/results.csv has a row for each of the SEEDS seeds
point_done() {
    [ -f "$1/results.csv" ] || return 1
    rows=$(tail -n +2 "$1/results.csv" | grep -c . || true)
    [ "$rows" -ge "$2" ]
}

# --- one point (a local job or a Slurm array task) ----------------------------------------
# sweep.sh --task SPEC INDEX: trains point INDEX of the invocation recorded in SPEC.
run_task() {
    spec=$1
    i=$2
    [ -f "$spec/points/$i.name" ] || { echo "sweep.sh: no point $i in $spec" >&2; exit 2; }
    name=$(cat "$spec/points/$i.name")
    sweep=$(cat "$spec/sweep")
    seeds=$(cat "$spec/seeds")
    nnrun=$(cat "$spec/nnrun")
    # under Slurm, the task's allocation; locally, the share of the cores
    threads=${SLURM_CPUS_PER_TASK:-${SLURM_CPUS_ON_NODE:-$(cat "$spec/threads")}}
    dir=$sweep/$name
    if point_done "$dir" "$seeds"; then
        say "$name: already finished"
        return 0
    fi
    # an unfinished point starts over, so that its table holds exactly its seeds
    rm -rf "$dir"
    set --
    while IFS= read -r arg; do
        set -- "$@" "$arg"
    done <"$spec/points/$i.args"
    echo "sweep: $name: $nnrun $* --seeds $seeds --threads $threads --out $dir"
    "$nnrun" "$@" --seeds "$seeds" --threads "$threads" --out "$dir"
}

if [ "${1:-}" = --task ]; then
    [ $# -eq 3 ] || die "--task SPEC INDEX"
    if [ "${SWEEP_LOG:-}" ]; then # a local job: its output to the point's log
        log=$(cat "$2/sweep")/logs/$(cat "$2/points/$3.name").log
        if run_task "$2" "$3" >"$log" 2>&1; then
            say "finished $(cat "$2/points/$3.name")"
        else
            status=$?
            say "FAILED $(cat "$2/points/$3.name") (exit $status; log: $log)" >&2
            exit 1
        fi
        exit 0
    fi
    run_task "$2" "$3"
    exit $?
fi

# --- options -------------------------------------------------------------------------------
config=""
grids=""          # one axis per line: KEY=V1,V2
sets=""           # one KEY=VALUE per line
seeds=1
jobs=1
threads=""
out=""
nnrun=${NNRUN:-}
slurm=false
wait_end=false
wait_timeout=86400
sbatch_extra=""   # one sbatch argument per line
cpus_per_task=""
nl='
'
need() {
    [ $# -ge 2 ] || die "$1 needs a value"
}
while [ $# -gt 0 ]; do
    case $1 in
    --grid) need "$@"; case $2 in *=*,* | *=*) ;; *) die "--grid $2: expected KEY=V1,V2,..." ;; esac
        grids="$grids$2$nl"; shift 2 ;;
    --set) need "$@"; case $2 in *=*) ;; *) die "--set $2: expected KEY=VALUE" ;; esac
        sets="$sets$2$nl"; shift 2 ;;
    --seeds) need "$@"; seeds=$2; shift 2 ;;
    --jobs) need "$@"; jobs=$2; shift 2 ;;
    --threads) need "$@"; threads=$2; shift 2 ;;
    --out) need "$@"; out=$2; shift 2 ;;
    --nnrun) need "$@"; nnrun=$2; shift 2 ;;
    --slurm) slurm=true; shift ;;
    --wait) wait_end=true; shift ;;
    --wait-timeout) need "$@"; wait_timeout=$2; shift 2 ;;
    --partition | --time | --cpus-per-task)
        need "$@"; sbatch_extra="$sbatch_extra$1=$2$nl"
        [ "$1" = --cpus-per-task ] && cpus_per_task=$2
        shift 2 ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option '$1'" ;;
    *) [ -z "$config" ] || die "one config at a time (got '$config' and '$1')"
        config=$1; shift ;;
    esac
done
[ -n "$config" ] || die "no config given"
[ -f "$config" ] || die "$config: no such file"
[ -n "$grids" ] || die "no --grid given"
for n in "$seeds" "$jobs" "$wait_timeout" ${threads:+"$threads"} ${cpus_per_task:+"$cpus_per_task"}; do
    case $n in '' | *[!0-9]* | 0) die "expected a positive integer, got '$n'" ;; esac
done
if $wait_end && ! $slurm; then die "--wait goes with --slurm"; fi
if [ -n "$sbatch_extra" ] && ! $slurm; then die "--partition, --time and --cpus-per-task go with --slurm"; fi

# the nnrun binary, by an absolute path (Slurm tasks start elsewhere)
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "$nnrun" ]; then
    if [ -x "$here/../bin/nnrun" ]; then nnrun=$here/../bin/nnrun
    else nnrun=$(command -v nnrun || true); fi
fi
[ -n "$nnrun" ] && [ -x "$nnrun" ] || die "no nnrun binary (build it with make, or pass --nnrun PATH)"
nnrun=$(abspath "$nnrun")
config=$(abspath "$config")
base=$(basename "$config")
base=${base%.yaml}
base=${base%.yml}
[ -n "$out" ] || out=runs/sweep-$base
mkdir -p "$out/logs" "$out/.sweep"
sweep=$(cd "$out" && pwd)

# the config must be valid with the fixed overrides before anything is started
set -- check "$config"
old_ifs=$IFS
IFS=$nl
for s in $sets; do set -- "$@" --set "$s"; done
IFS=$old_ifs
"$nnrun" "$@" >/dev/null || die "the config does not check out with the --set overrides (above)"

# --- the points --------------------------------------------------------------------------
# Point names: KEY=VALUE pairs joined by ","; the keys' last parts when those are unique
leaves=$(printf '%s' "$grids" | sed 's/=.*//; s/.*\.//' | sort)
if [ "$(printf '%s\n' "$leaves" | uniq -d)" ]; then short=false; else short=true; fi

spec=$sweep/.sweep/$(date +%Y%m%d-%H%M%S)-$$
mkdir -p "$spec/points"
printf '%s\n' "$sweep" >"$spec/sweep"
printf '%s\n' "$seeds" >"$spec/seeds"
printf '%s\n' "$nnrun" >"$spec/nnrun"
if [ -z "$threads" ]; then
    cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
    threads=$((cores / jobs))
    [ "$threads" -ge 1 ] || threads=1
fi
printf '%s\n' "$threads" >"$spec/threads"

# The cross product, one point per line as "name<TAB>KEY=VALUE<TAB>KEY=VALUE...": each axis
# multiplies the lines so far by its values (the first axis varies slowest).
points=$(printf '\n')
IFS=$nl
for axis in $grids; do
    key=${axis%%=*}
    values=${axis#*=}
    label=$key
    $short && label=${key##*.}
    next=""
    for p in ${points:-""}; do
        IFS=,
        for v in $values; do
            [ -n "$v" ] || die "--grid $axis: an empty value"
            pname=${p%%"	"*}
            rest=${p#"$pname"}
            part=$label=$(printf '%s' "$v" | tr '/ ' '__')
            next="$next${pname:+$pname,}$part$rest	$key=$v$nl"
        done
        IFS=$nl
    done
    points=$next
done
IFS=$old_ifs

n=0
todo=""
printf '%s' "$points" >"$spec/points.tsv"
while IFS= read -r line; do
    [ -n "$line" ] || continue
    name=${line%%"	"*}
    printf '%s\n' "$name" >"$spec/points/$n.name"
    {
        printf '%s\n' "$config"
        printf '%s' "$sets" | while IFS= read -r s; do printf '%s\n%s\n' --set "$s"; done
        printf '%s\n' "${line#*"	"}" | tr '\t' '\n' | while IFS= read -r s; do printf '%s\n%s\n' --set "$s"; done
    } >"$spec/points/$n.args"
    if point_done "$sweep/$name" "$seeds"; then
        say "$name: already finished"
    else
        todo="$todo $n"
    fi
    n=$((n + 1))
done <"$spec/points.tsv"
left=$(echo $todo | wc -w)
say "$n points x $seeds seed(s) in $sweep; $left to train"

# the report, in grid order, of the points that have rows
report() {
    set --
    i=0
    while [ "$i" -lt "$n" ]; do
        table=$sweep/$(cat "$spec/points/$i.name")/results.csv
        [ -f "$table" ] && set -- "$@" "$table"
        i=$((i + 1))
    done
    echo
    if [ $# -eq 0 ]; then
        say "no point has finished a run yet"
        return 0
    fi
    "$nnrun" report "$@" || true
}

# after the runs: every point finished, or list what did not
check_all() {
    missing=0
    i=0
    while [ "$i" -lt "$n" ]; do
        name=$(cat "$spec/points/$i.name")
        if ! point_done "$sweep/$name" "$seeds"; then
            say "not finished: $name" >&2
            missing=$((missing + 1))
        fi
        i=$((i + 1))
    done
    [ "$missing" -eq 0 ]
}

# --- local ----------------------------------------------------------------------------------
if ! $slurm; then
    if [ "$left" -gt 0 ]; then
        say "training $left point(s), $jobs at a time, $threads thread(s) each; logs in $sweep/logs"
        trap 'say "interrupted: run the same command again to continue"; exit 130' INT TERM
        # xargs' status only says that some point failed: check_all below names which
        printf '%s\n' $todo | SWEEP_LOG=1 xargs -P "$jobs" -n 1 sh "$here/sweep.sh" --task "$spec" || :
        trap - INT TERM
    fi
    report
    if check_all; then exit 0; fi
    say "some points failed; their logs are in $sweep/logs; run the same command again to retry" >&2
    exit 1
fi

# --- Slurm ------------------------------------------------------------------------------------
command -v sbatch >/dev/null || die "--slurm: sbatch is not on PATH"
if [ "$left" -eq 0 ]; then
    report
    exit 0
fi
{
    echo "#!/bin/sh"
    echo "# one point of the sweep in $(shquote "$sweep"): the array task's index"
    echo "exec /bin/sh $(shquote "$here/sweep.sh") --task $(shquote "$spec") \"\$SLURM_ARRAY_TASK_ID\""
} >"$spec/task.sh"
array=$(echo $todo | tr ' ' ',')
set -- --parsable --array="$array" --job-name="nnrun-sweep-$base" \
    --output="$sweep/logs/slurm-%A_%a.out"
IFS=$nl
for a in $sbatch_extra; do set -- "$@" "$a"; done
IFS=$old_ifs
jobid=$(sbatch "$@" "$spec/task.sh") || { echo "sweep.sh: error: sbatch failed" >&2; exit 1; }
jobid=${jobid%%;*}
printf '%s\n' "$jobid" >"$spec/slurm-job"
say "submitted job array $jobid ($left task(s): one per point); logs: $sweep/logs/slurm-${jobid}_<task>.out"
if ! $wait_end; then
    say "when it is done: $nnrun report $sweep"
    exit 0
fi

# wait, bounded: until squeue no longer lists the array
start=$(date +%s)
last_note=0
while :; do
    if q=$(squeue -h -j "$jobid" -o '%i %T' 2>&1); then
        [ -z "$q" ] && break
    else
        case $q in *"Invalid job id"*) break ;; esac
    fi
    now=$(date +%s)
    if [ $((now - start)) -ge "$wait_timeout" ]; then
        say "still running after ${wait_timeout}s: job $jobid; run '$nnrun report $sweep' later" >&2
        exit 1
    fi
    if [ $((now - last_note)) -ge 30 ]; then
        say "waiting for job $jobid: $(printf '%s\n' "$q" | grep -c .) task(s) pending or running"
        last_note=$now
    fi
    sleep 2
done
say "job $jobid ended"
report
if check_all; then exit 0; fi
say "some points failed; see $sweep/logs/slurm-${jobid}_<task>.out; run the same command again to retry" >&2
exit 1
