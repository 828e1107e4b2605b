#!/bin/sh
# test_report.sh — results.csv rows from real runs (what they hold, where they go, which
# runs add one), and `nnrun report`: grouping, mean ± std, sorting, formats, errors.
. "$(dirname "$0")/lib.sh"

mnist_fixture 600 200
small_config "$TMP/small.yaml" small 2
# field VALUE-OF COLUMN in row N (1-based) of a results table, by header name
field() {
    awk -F, -v col="$2" -v row="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i }
        NR == row + 1 { print $c }' "$1"
}

# --- rows: one per finished run, next to the --out directory
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/r/a" -q
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/r/b" --seed 2 -q
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/r/c" --set fit.batch_size=64 -q
t=$TMP/r/results.csv
[ "$(head -n 1 "$t")" = "run_id,config,overrides,seed,params,epochs_run,best_epoch,best_val_loss,best_val_accuracy,final_val_loss,final_val_accuracy,test_loss,test_accuracy,seconds_per_epoch,stop_reason,finished" ] \
    || fail "header: $(head -n 1 "$t")"
ok
[ "$(wc -l <"$t")" -eq 4 ] || fail "3 rows expected: $(cat "$t")"
ok
[ "$(field "$t" run_id 1) $(field "$t" config 1) $(field "$t" seed 1) $(field "$t" params 1)" = "a small 1 12730" ] \
    || fail "row 1: $(sed -n 2p "$t")"
ok
[ "$(field "$t" overrides 2)" = "" ] || fail "the seed override is the seed column's"
ok
[ "$(field "$t" seed 2)" = 2 ] || fail "seed of b"
ok
[ "$(field "$t" overrides 3)" = "fit.batch_size=64" ] || fail "overrides of c"
ok
[ "$(field "$t" epochs_run 1) $(field "$t" stop_reason 1)" = "2 completed" ] || fail "epochs, stop"
ok
# the numbers are the run's own: results.json's test accuracy, history.csv's last val_loss
acc=$(sed -n 's/.*"accuracy": \([0-9.e-]*\).*/\1/p' "$TMP/r/a/results.json" | tail -n 1)
[ "$(field "$t" test_accuracy 1)" = "$acc" ] || fail "test_accuracy $(field "$t" test_accuracy 1) != $acc"
ok
vl=$(tail -n 1 "$TMP/r/a/history.csv" | tr -d '\r' | awk -F, '{ print $5 }')
[ "$(field "$t" final_val_loss 1)" = "$vl" ] || fail "final_val_loss $(field "$t" final_val_loss 1) != $vl"
ok
# the default place: runs/results.csv, run ids <name>/<date-time>
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$NNRUN" "$TMP/small.yaml" -q --epochs 1) || fail "default run"
field "$TMP/cwd/runs/results.csv" run_id 1 | grep -q '^small/2[0-9]*-[0-9]*$' || fail "run id in runs/"
ok
# a run stopped by a non-finite loss trained to its end: it gets a row saying so
run 1 "$NNRUN" "$TMP/small.yaml" --out "$TMP/n/x" --set compile.optimizer.sgd.lr=1e30
[ "$(field "$TMP/n/results.csv" stop_reason 1)" = nan ] || fail "the nan run's row"
ok
# an interrupted run did not: no row
"$NNRUN" "$TMP/small.yaml" --out "$TMP/i/x" --epochs 100000 -q >"$TMP/int.out" 2>&1 &
pid=$!
i=0
while [ "$(cat "$TMP/i/x/history.csv" 2>/dev/null | wc -l)" -lt 3 ] && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -INT $pid
status=0
wait $pid || status=$?
[ "$status" = 130 ] || fail "interrupted run: exit $status"
ok
[ -e "$TMP/i/results.csv" ] && fail "an interrupted run added a row"
ok
# a table of another layout is not appended to
mkdir "$TMP/o" && printf 'run_id,config\n' >"$TMP/o/results.csv"
run 1 "$NNRUN" "$TMP/small.yaml" --out "$TMP/o/x" -q
contains "$TMP/err" "$TMP/o/results.csv has other columns"
[ "$(cat "$TMP/o/results.csv")" = "run_id,config" ] || fail "the foreign table changed"
ok

# --- report on those runs: a and b are repeats (seeds 1, 2), c another experiment
run 0 "$NNRUN" report "$TMP/r"
contains "$TMP/out" "3 runs in 2 experiments"
grep -q '^small  *-  *2  *1,2 ' "$TMP/out" || fail "a and b as one line: $(cat "$TMP/out")"
ok
grep -q '^small  *fit.batch_size=64  *1  *1 ' "$TMP/out" || fail "c alone"
ok
grep '^small  *- ' "$TMP/out" | grep -q ' ± ' || fail "no mean ± std"
ok
run 0 "$NNRUN" report --runs "$TMP/r"
contains "$TMP/out" "$TMP/r/a "
contains "$TMP/out" "$TMP/r/c "
contains "$TMP/out" "3 runs"
run 0 "$NNRUN" report --runs --format csv "$TMP/r" "$TMP/n/results.csv"
[ "$(wc -l <"$TMP/out")" -eq 5 ] || fail "merged csv"
ok
contains "$TMP/out" "$TMP/r/b,small,,2,"
(cd "$TMP/cwd" && "$NNRUN" report) >"$TMP/out" || fail "report with the default path"
contains "$TMP/out" "1 run in 1 experiment"

# --- a table with known numbers: statistics, sorting, formats
mkdir "$TMP/k"
cat >"$TMP/k/results.csv" <<'CSV'
run_id,config,overrides,seed,test_accuracy,test_loss,stop_reason
p/s1,m,x=1,1,0.9,0.3,completed
q,m,x=2,1,0.95,0.2,completed
p/s2,m,x=1,2,0.8,0.5,completed
r,m,x=3,1,nan,nan,nan
w,m,'x=a b' y=1,1,0.5,1.0,completed
CSV
run 0 "$NNRUN" report "$TMP/k"
grep -q '^m  *x=1  *2  *1,2 .* 0\.4000 ± 0\.1414  *0\.8500 ± 0\.0707 ' "$TMP/out" \
    || fail "mean ± sample std: $(cat "$TMP/out")"
ok
contains "$TMP/out" "5 runs in 4 experiments"
contains "$TMP/out" "'x=a b' y=1"
# best first: accuracy from the highest, loss from the lowest; no value comes last
run 0 "$NNRUN" report --sort test_accuracy "$TMP/k"
[ "$(grep '^m ' "$TMP/out" | awk '{ print $2 }' | tr '\n' ' ')" = "x=2 x=1 'x=a x=3 " ] \
    || fail "sort by test_accuracy: $(cat "$TMP/out")"
ok
run 0 "$NNRUN" report --sort test_loss --reverse "$TMP/k"
[ "$(grep '^m ' "$TMP/out" | awk '{ print $2 }' | tr '\n' ' ')" = "'x=a x=1 x=2 x=3 " ] \
    || fail "sort by test_loss reversed: $(cat "$TMP/out")"
ok
run 0 "$NNRUN" report --runs --sort run "$TMP/k/results.csv"
[ "$(grep ' m ' "$TMP/out" | awk '{ print $1 }' | tr '\n' ' ')" = "$TMP/k/p/s1 $TMP/k/p/s2 $TMP/k/q $TMP/k/r $TMP/k/w " ] \
    || fail "sort by run: $(cat "$TMP/out")"
ok
run 0 "$NNRUN" report --format md "$TMP/k"
contains "$TMP/out" "| config | overrides | runs | seed |"
contains "$TMP/out" "|---|---|---:|---:|"
contains "$TMP/out" "| m | x=1 | 2 | 1,2 |"
run 0 "$NNRUN" report --format csv "$TMP/k"
head -n 1 "$TMP/out" | grep -q '^config,overrides,runs,seeds,.*,test_accuracy_mean,test_accuracy_std,' \
    || fail "csv header: $(head -n 1 "$TMP/out")"
ok
contains "$TMP/out" "m,x=1,2,\"1,2\","
grep -q '^m,x=1,.*,0\.85[0-9]*,0\.070710678118654[0-9]*,nan,nan,completed$' "$TMP/out" || fail "csv mean, std"
ok

# a table with no rows yet
mkdir "$TMP/h" && printf 'run_id,config\n' >"$TMP/h/results.csv"
run 0 "$NNRUN" report --sort test_acc "$TMP/h"
contains "$TMP/out" "0 runs in 0 experiments"

# --- errors
run 2 "$NNRUN" report "$TMP/nowhere"
contains "$TMP/err" "$TMP/nowhere"
mkdir "$TMP/empty"
run 2 "$NNRUN" report "$TMP/empty"
contains "$TMP/err" "no results.csv under"
printf 'run_id,config,seed\na,b,1\na,b\n' >"$TMP/bad.csv"
run 2 "$NNRUN" report "$TMP/bad.csv"
contains "$TMP/err" "$TMP/bad.csv:3: 2 fields where the header has 3"
printf 'epoch,loss\n0,1.0\n' >"$TMP/history.csv"
run 2 "$NNRUN" report "$TMP/history.csv"
contains "$TMP/err" "not a results table"
run 2 "$NNRUN" report --format xml "$TMP/k"
contains "$TMP/err" "expected text, md or csv"
run 2 "$NNRUN" report --sort colour "$TMP/k"
contains "$TMP/err" "no column 'colour'"
run 2 "$NNRUN" report --sort run "$TMP/k"
contains "$TMP/err" "only with --runs"
run 0 "$NNRUN" report --help
contains "$TMP/out" "Usage: nnrun report"
done_ok
