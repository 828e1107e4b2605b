#!/bin/sh
# test_seeds.sh — `nnrun CONFIG --seeds N`: N runs in parallel processes, each its own run
# directory and row, lines passed on whole with their seed, mean ± std at the end; the same
# histories as single runs; errors once; signals passed on.
. "$(dirname "$0")/lib.sh"

mnist_fixture 600 200
small_config "$TMP/small.yaml" small 2

# --- three seeds, two at a time
run 0 "$NNRUN" "$TMP/small.yaml" --seeds 3 --threads 2 --out "$TMP/s"
contains "$TMP/out" "Training 3 seeds of small (1 to 3), 2 at a time with 1 thread each"
for s in 1 2 3; do
    contains "$TMP/out" "[seed $s] Run directory: $TMP/s/seed$s"
    contains "$TMP/out" "[seed $s] Epoch 2/2 - 540/540 - "
    contains "$TMP/out" "[seed $s] Test on 200 samples"
    contains "$TMP/s/seed$s/config.yaml" "seed: $s"
done
# every line is whole: a seed's lines, the table of the seeds, or the summary
bad=$(grep -v -e '^\[seed [1-3]\] ' -e '^Training 3 seeds' -e '^$' -e '^seed  *run directory' \
    -e "^[1-3]  *$TMP/s/seed[1-3] .* completed\$" -e '^small: mean ± std (sample, n - 1) over 3 seeds:$' \
    -e '^  final val_loss  ' -e '^  final val_accuracy ' -e '^  test loss  ' -e '^  test accuracy  ' \
    "$TMP/out" || true)
[ -z "$bad" ] || fail "unexpected lines: $bad"
ok
lacks "$TMP/out" "$(printf '\r')"
grep -q '^  test accuracy  *[0-9.e+-]* ± [0-9.e+-]*$' "$TMP/out" || fail "no mean ± std"
ok
[ "$(tail -n +2 "$TMP/s/results.csv" | wc -l)" -eq 3 ] || fail "3 rows expected"
ok
[ "$(tail -n +2 "$TMP/s/results.csv" | cut -d, -f1 | sort | tr '\n' ' ')" = "seed1 seed2 seed3 " ] \
    || fail "run ids: $(cat "$TMP/s/results.csv")"
ok
# each seed's history is the one a single run with that seed makes
run 0 "$NNRUN" "$TMP/small.yaml" --seed 2 --threads 1 --out "$TMP/single2" -q
cmp -s "$TMP/s/seed2/history.csv" "$TMP/single2/history.csv" || fail "seed 2 differs from a single run"
ok
# --seed sets the first seed; without --out the runs go to runs/<name>/<id>, one row each
mkdir "$TMP/cwd"
(cd "$TMP/cwd" && "$NNRUN" "$TMP/small.yaml" --seeds 2 --seed 5 --threads 1 -q) || fail "seeds 5, 6"
[ "$(tail -n +2 "$TMP/cwd/runs/results.csv" | cut -d, -f4 | sort | tr '\n' ' ')" = "5 6 " ] \
    || fail "seeds 5 and 6: $(cat "$TMP/cwd/runs/results.csv")"
ok
[ "$(ls -d "$TMP"/cwd/runs/small/2* | wc -l)" -eq 2 ] || fail "two run directories"
ok
run 0 "$NNRUN" report "$TMP/cwd/runs"
grep -q '^small  *-  *2  *5,6 ' "$TMP/out" || fail "report: $(cat "$TMP/out")"
ok

# --- fit.seeds in the config: the same, for the listed seeds; --seeds N and --seed win
cp "$TMP/small.yaml" "$TMP/listed.yaml" && echo "  seeds: [7, 2]" >>"$TMP/listed.yaml"
run 0 "$NNRUN" "$TMP/listed.yaml" --threads 2 --out "$TMP/l"
contains "$TMP/out" "Training 2 seeds of small (fit.seeds: 7, 2), 2 at a time with 1 thread each"
cmp -s "$TMP/l/seed2/history.csv" "$TMP/single2/history.csv" || fail "fit.seeds: seed 2 differs"
ok
[ "$(tail -n +2 "$TMP/l/results.csv" | cut -d, -f4 | sort | tr '\n' ' ')" = "2 7 " ] \
    || fail "fit.seeds 7 and 2: $(cat "$TMP/l/results.csv")"
ok
run 0 "$NNRUN" "$TMP/listed.yaml" --seeds 2 --seed 3 --threads 1 --out "$TMP/l2" -q
[ -d "$TMP/l2/seed3" ] && [ -d "$TMP/l2/seed4" ] && [ ! -e "$TMP/l2/seed7" ] || fail "--seeds wins"
ok
run 0 "$NNRUN" "$TMP/listed.yaml" --seed 2 --threads 1 --out "$TMP/l3"
lacks "$TMP/out" "Training"
cmp -s "$TMP/l3/history.csv" "$TMP/single2/history.csv" || fail "--seed 2: one run of seed 2"
ok
# a run of the list resumes as the single run it is
run 0 "$NNRUN" --resume "$TMP/l/seed7" -q
ok

# --- jsonl: stdout holds only JSON, one object per line: epochs, ends, then the summary
run 0 "$NNRUN" "$TMP/small.yaml" --seeds 2 --threads 2 --out "$TMP/j" --log-format jsonl
/usr/bin/python3 - "$TMP/out" <<'PY' || fail "jsonl: $(cat "$TMP/out")"
import json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
epochs = [o for o in objs if o["event"] == "epoch"]
ends = [o for o in objs if o["event"] == "end"]
assert len(epochs) == 4 and len(ends) == 2 and len(objs) == 7, objs
assert sorted((o["seed"], o["epoch"]) for o in epochs) == [(1, 0), (1, 1), (2, 0), (2, 1)]
assert all(o["status"] == "ok" and o["stop_reason"] == "completed" for o in ends)
last = objs[-1]
assert last["event"] == "seeds" and last["seeds"] == [1, 2] and last["trained"] == 2, last
accs = [o["test_accuracy"] for o in ends]
mean = sum(accs) / 2
assert abs(last["test_accuracy"]["mean"] - mean) < 1e-12, (last, accs)
PY
ok
contains "$TMP/err" "[seed 1] Epoch 2/2"

# --- errors: a config error once, before anything starts
run 2 "$NNRUN" "$TMP/small.yaml" --seeds 2 --set fit.epochs=many --out "$TMP/never"
[ "$(grep -c 'error' "$TMP/err")" -eq 1 ] || fail "one error line: $(cat "$TMP/err")"
ok
[ -e "$TMP/never" ] && fail "a bad config created run directories"
ok
# runs that fail say which seed, keep their directories; the exit status is theirs
run 1 "$NNRUN" "$TMP/small.yaml" --seeds 2 --set compile.optimizer.sgd.lr=1e30 --out "$TMP/nan"
contains "$TMP/err" "nnrun: error: seed 1: "
contains "$TMP/err" "nnrun: error: seed 2: "
contains "$TMP/err" "the loss became"
[ "$(tail -n +2 "$TMP/nan/results.csv" | wc -l)" -eq 2 ] || fail "nan runs keep their rows"
ok
run 2 "$NNRUN" "$TMP/small.yaml" --seeds 0
contains "$TMP/err" "--seeds: expected an integer >= 1"
run 2 "$NNRUN" "$TMP/small.yaml" --seeds 5000
run 2 "$NNRUN" check "$TMP/small.yaml" --seeds 2
contains "$TMP/err" "--seeds is an option of train"

# --- SIGTERM to nnrun reaches every run: they stop after a batch, and add no row
"$NNRUN" "$TMP/small.yaml" --seeds 2 --threads 2 --epochs 100000 --out "$TMP/t" >"$TMP/t.out" 2>&1 &
pid=$!
i=0
while { [ "$(cat "$TMP/t/seed1/history.csv" 2>/dev/null | wc -l)" -lt 3 ] ||
    [ "$(cat "$TMP/t/seed2/history.csv" 2>/dev/null | wc -l)" -lt 3 ]; } && [ $i -lt 300 ]; do
    sleep 0.1
    i=$((i + 1))
done
kill -TERM $pid
status=0
wait $pid || status=$?
[ "$status" = 143 ] || fail "SIGTERM: exit $status: $(cat "$TMP/t.out")"
ok
contains "$TMP/t/seed1/results.json" '"stop_reason": "interrupted"'
contains "$TMP/t/seed2/results.json" '"stop_reason": "interrupted"'
[ -e "$TMP/t/results.csv" ] && fail "interrupted runs added rows"
ok
done_ok
