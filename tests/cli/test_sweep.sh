#!/bin/sh
# test_sweep.sh — scripts/sweep.sh locally: the issue's four-point grid of
# configs/baseline.yaml with two seeds each (two epochs, generated data), its layout and
# report, restarting after an interruption, failing points, and usage errors.
. "$(dirname "$0")/lib.sh"

sweep=$(cd "$(dirname "$0")/../.." && pwd)/scripts/sweep.sh
config=$(cd "$(dirname "$0")/../.." && pwd)/configs/baseline.yaml
mkdir -p "$TMP/data/mnist" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data/mnist" 600 200 || fail "fixture"
NNRUN_DATA=$TMP/data
export NNRUN_DATA
grid() {
    sh "$sweep" "$config" --grid compile.optimizer.sgd.learning_rate=0.01,0.05 \
        --grid fit.batch_size=32,128 --seeds 2 --set fit.epochs=2 --nnrun "$NNRUN" "$@"
}
points="learning_rate=0.01,batch_size=32 learning_rate=0.01,batch_size=128
learning_rate=0.05,batch_size=32 learning_rate=0.05,batch_size=128"

# --- the sweep: 4 points x 2 seeds, 2 jobs at a time
run 0 grid --jobs 2 --out "$TMP/sw"
contains "$TMP/out" "4 points x 2 seed(s)"
contains "$TMP/out" "4 to train"
contains "$TMP/out" "8 runs in 4 experiments"
for p in $points; do
    for f in seed1/history.csv seed2/history.csv seed1/results.json results.csv; do
        [ -s "$TMP/sw/$p/$f" ] || fail "$p lacks $f"
        ok
    done
    [ "$(tail -n +2 "$TMP/sw/$p/results.csv" | wc -l)" -eq 2 ] || fail "$p: not 2 rows"
    ok
    [ -s "$TMP/sw/logs/$p.log" ] || fail "no log for $p"
    ok
done
contains "$TMP/sw/learning_rate=0.05,batch_size=32/seed2/config.yaml" "batch_size: 32"
contains "$TMP/sw/learning_rate=0.05,batch_size=32/seed2/config.yaml" "learning_rate: 0.05"
contains "$TMP/sw/learning_rate=0.05,batch_size=32/seed2/config.yaml" "seed: 2"
# the report: one line per point, both seeds, in grid order, overrides shared shown once
grep -A 5 '^config ' "$TMP/out" >"$TMP/table"
[ "$(grep -c '^baseline ' "$TMP/table")" -eq 4 ] || fail "not 4 lines: $(cat "$TMP/out")"
ok
[ "$(grep -c ' 2  *1,2 ' "$TMP/table")" -eq 4 ] || fail "not 2 seeds per line"
ok
head -n 2 "$TMP/table" | tail -n 1 | grep -q 'learning_rate=0.01 fit.batch_size=32 ' || fail "grid order"
ok
contains "$TMP/out" "overrides of every line: fit.epochs=2"
run 0 "$NNRUN" report --runs --format csv "$TMP/sw"
[ "$(tail -n +2 "$TMP/out" | wc -l)" -eq 8 ] || fail "8 runs expected"
ok

# --- restartable: an interrupted point is trained again whole, the others are kept
p=learning_rate=0.05,batch_size=128
before=$(cat "$TMP/sw/learning_rate=0.01,batch_size=32/results.csv")
rm -r "$TMP/sw/$p/seed2"
sed -i '$d' "$TMP/sw/$p/results.csv"
run 0 grid --jobs 2 --out "$TMP/sw"
contains "$TMP/out" "1 to train"
contains "$TMP/out" "finished $p"
contains "$TMP/out" "8 runs in 4 experiments"
[ "$(tail -n +2 "$TMP/sw/$p/results.csv" | wc -l)" -eq 2 ] || fail "the retrained point's table"
ok
[ -s "$TMP/sw/$p/seed2/history.csv" ] || fail "seed2 not retrained"
ok
[ "$before" = "$(cat "$TMP/sw/learning_rate=0.01,batch_size=32/results.csv")" ] || fail "a finished point was touched"
ok
run 0 grid --out "$TMP/sw"
contains "$TMP/out" "0 to train"

# --- a point that fails: exit 1, its log named, the others reported
run 1 sh "$sweep" "$config" --grid fit.batch_size=64,lots --set fit.epochs=1 --nnrun "$NNRUN" \
    --out "$TMP/bad"
contains "$TMP/err" "FAILED batch_size=lots"
contains "$TMP/err" "not finished: batch_size=lots"
contains "$TMP/bad/logs/batch_size=lots.log" "fit.batch_size: expected an integer"
contains "$TMP/out" "1 run in 1 experiment"
# a config that is wrong for every point stops before anything runs
run 2 sh "$sweep" "$config" --grid fit.batch_size=64 --set fit.epochs=many --nnrun "$NNRUN" \
    --out "$TMP/never"
contains "$TMP/err" "fit.epochs: expected an integer"
[ -d "$TMP/never/batch_size=64" ] && fail "a point ran with a bad config"
ok

# --- usage
run 2 sh "$sweep" "$config" --nnrun "$NNRUN"
contains "$TMP/err" "no --grid given"
run 2 sh "$sweep" "$config" --grid fit.batch_size --nnrun "$NNRUN"
contains "$TMP/err" "expected KEY=V1,V2"
run 2 sh "$sweep" "$config" --grid fit.batch_size=32 --seeds 0 --nnrun "$NNRUN"
contains "$TMP/err" "positive integer"
run 2 sh "$sweep" "$config" --grid fit.batch_size=32 --wait --nnrun "$NNRUN"
contains "$TMP/err" "--wait goes with --slurm"
run 2 sh "$sweep" "$config" --grid fit.batch_size=32 --partition x --nnrun "$NNRUN"
run 2 sh "$sweep" "$TMP/missing.yaml" --grid fit.batch_size=32 --nnrun "$NNRUN"
run 0 sh "$sweep" --help
contains "$TMP/out" "Usage: scripts/sweep.sh CONFIG"
done_ok
