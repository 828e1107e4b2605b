#!/bin/sh
# test_resume.sh — checkpoints and exact resume: a run killed with SIGKILL at several points
# (during an epoch, in the middle of writing a checkpoint, before its first checkpoint was
# in place, twice in a row), or stopped by SIGINT/SIGTERM, and then resumed, ends with
# history.csv and weights.safetensors byte-identical to a run that was never stopped.
# Also: --load-weights, nnrun eval, and the errors of all three.
#
# The kill points are reached through the test hook NNRUN_TEST_PAUSE_AT=POINT (see
# cmd/cmd_train.c): the run announces "test pause at POINT" on stderr and waits there, and
# the test kills it. No timing is involved: a point is either reached or the test fails.
. "$(dirname "$0")/lib.sh"

mkdir "$TMP/data" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data" 600 100 || fail "fixture"
cat >"$TMP/run.yaml" <<YAML
name: resume
data:
  dataset: mnist
  dir: $TMP/data
  preprocess:
    - divide: 255
  validation_split: 0.1
model:
  input: [28, 28]
  layers:
    - flatten: {}
    - dense: {units: 16, activation: relu}
    - batch_normalization: {}
    - dropout: 0.3
    - dense: {units: 10, activation: softmax}
compile:
  loss: sparse_categorical_crossentropy
  optimizer: {adam: {learning_rate: 0.01, amsgrad: true, decay: 0.001}}
  metrics: [accuracy]
fit:
  epochs: 4
  batch_size: 32
  callbacks:
    - reduce_lr_on_plateau: {patience: 1, factor: 0.5, min_delta: 0.0}
    - early_stopping: {patience: 10, restore_best_weights: true}
YAML

# the reference: never stopped
run 0 "$NNRUN" "$TMP/run.yaml" --out "$TMP/ref" --threads 1 -q
for f in weights.safetensors checkpoint.safetensors history.csv results.json; do
    [ -s "$TMP/ref/$f" ] || fail "the run directory lacks $f"
    ok
done
[ "$(wc -l <"$TMP/ref/history.csv")" -eq 5 ] || fail "reference history rows"
ok

# start DIR POINT [ARGS...]: starts a run into DIR that pauses at POINT; sets $pid
start() {
    dir=$1 point=$2
    shift 2
    NNRUN_TEST_PAUSE_AT=$point "$NNRUN" "$@" >"$TMP/bg.out" 2>"$TMP/bg.err" &
    pid=$!
    n=0
    until grep -q "test pause at $point " "$TMP/bg.err" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null; then
            cat "$TMP/bg.err" >&2
            fail "the run ended before reaching $point"
        fi
        n=$((n + 1))
        [ "$n" -lt 6000 ] || fail "the run never reached $point"
        sleep 0.05
    done
}

# same_as_ref DIR: the resumed run's outputs are the reference's, byte for byte
same_as_ref() {
    cmp "$TMP/ref/history.csv" "$1/history.csv" || fail "$1: history.csv differs"
    cmp "$TMP/ref/weights.safetensors" "$1/weights.safetensors" || fail "$1: weights differ"
    [ "$(grep -c '^epoch' "$1/history.csv")" -eq 1 ] || fail "$1: history header twice"
    if ls "$1" | grep -q '\.tmp'; then ls "$1" >&2; fail "$1: a temporary file was left"; fi
    ok
}

# kill_and_resume NAME POINT: SIGKILL at POINT, then --resume, then compare
kill_and_resume() {
    start "$TMP/$1" "$2" "$TMP/run.yaml" --out "$TMP/$1" --threads 1 -q
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    [ -e "$TMP/$1/weights.safetensors" ] && fail "$1: killed at $2 but has final weights"
    run 0 "$NNRUN" --resume "$TMP/$1" -q
    same_as_ref "$TMP/$1"
}

kill_and_resume during_epoch batch:2:7        # in the middle of epoch 2
kill_and_resume last_epoch batch:4:17         # after the last batch of the last epoch
kill_and_resume ckpt_half checkpoint:2:half   # half of epoch 2's checkpoint written
kill_and_resume ckpt_synced checkpoint:3:synced  # written and synced, not yet renamed
kill_and_resume ckpt_first checkpoint:0:begin    # before the first checkpoint existed
contains "$TMP/ckpt_first/results.json" '"threads": 1' # as it started (from its lock file)
# the torn temporary file of the mid-write kill was there before the resume
start "$TMP/torn" checkpoint:1:half "$TMP/run.yaml" --out "$TMP/torn" --threads 1 -q
kill -KILL "$pid"
wait "$pid" 2>/dev/null
ls "$TMP/torn" | grep -q 'checkpoint.safetensors.tmp' || fail "no torn checkpoint to clean up"
ok
run 0 "$NNRUN" --resume "$TMP/torn" -q
same_as_ref "$TMP/torn"

# killed twice: the second run resumes, is killed again, and a third finishes
start "$TMP/twice" batch:1:5 "$TMP/run.yaml" --out "$TMP/twice" --threads 1 -q
kill -KILL "$pid"
wait "$pid" 2>/dev/null
start "$TMP/twice" batch:3:2 --resume "$TMP/twice" -q
kill -KILL "$pid"
wait "$pid" 2>/dev/null
head -n 1 "$TMP/twice/history.csv" | grep -q '^epoch,' || fail "twice: header"
ok
run 0 "$NNRUN" --resume "$TMP/twice"
contains "$TMP/out" "Resuming $TMP/twice at epoch 3/4"
same_as_ref "$TMP/twice"

# a run started with two threads, resumed with the thread count it recorded (the results
# do not depend on the thread count: fixed reduction order)
start "$TMP/threads" batch:2:3 "$TMP/run.yaml" --out "$TMP/threads" --threads 2 -q
kill -KILL "$pid"
wait "$pid" 2>/dev/null
run 0 "$NNRUN" --resume "$TMP/threads" -q
contains "$TMP/threads/results.json" '"threads": 2'
same_as_ref "$TMP/threads"

# a run directory in use is refused: a --resume (or another run) while the run is going
start "$TMP/busy" batch:2:2 "$TMP/run.yaml" --out "$TMP/busy" --threads 1 -q
run 2 "$NNRUN" --resume "$TMP/busy"
contains "$TMP/err" "$TMP/busy is in use by another nnrun process"
run 2 "$NNRUN" "$TMP/run.yaml" --out "$TMP/busy"
kill -KILL "$pid"
wait "$pid" 2>/dev/null
run 0 "$NNRUN" --resume "$TMP/busy" -q
same_as_ref "$TMP/busy"

# SIGTERM and SIGINT: stop after the batch, say how to resume, exit 128+N
start "$TMP/term" batch:2:4 "$TMP/run.yaml" --out "$TMP/term" --threads 1
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" -eq 143 ] || { cat "$TMP/bg.err" >&2; fail "SIGTERM: exit $status, expected 143"; }
ok
contains "$TMP/bg.err" "resume with: nnrun --resume $TMP/term"
contains "$TMP/term/results.json" '"stop_reason": "interrupted"'
[ "$(wc -l <"$TMP/term/history.csv")" -eq 2 ] || fail "SIGTERM: history keeps epoch 1 only"
ok
run 0 "$NNRUN" --resume "$TMP/term" -q
same_as_ref "$TMP/term"
contains "$TMP/term/results.json" '"stop_reason": "completed"'
start "$TMP/int" batch:3:1 "$TMP/run.yaml" --out "$TMP/int" --threads 1
kill -INT "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || { cat "$TMP/bg.err" >&2; fail "SIGINT: exit $status, expected 130"; }
ok
run 0 "$NNRUN" --resume "$TMP/int" -q
same_as_ref "$TMP/int"

# resuming a finished run changes nothing
cp "$TMP/ref/history.csv" "$TMP/ref.history" && cp "$TMP/ref/weights.safetensors" "$TMP/ref.weights"
run 0 "$NNRUN" --resume "$TMP/ref"
contains "$TMP/out" "the run had finished (4 epochs, completed); nothing left to train"
cmp -s "$TMP/ref.history" "$TMP/ref/history.csv" && cmp -s "$TMP/ref.weights" "$TMP/ref/weights.safetensors" \
    || fail "resuming a finished run changed it"
ok
# ... nor counts it twice in results.csv (the table next to the run directories)
[ "$(grep -c '^ref,' "$TMP/results.csv")" -eq 1 ] || { cat "$TMP/results.csv" >&2; fail "ref counted twice"; }
ok

# a resumed run's row keeps the overrides the run started with, so it groups with its siblings
start "$TMP/ovr" batch:2:3 "$TMP/run.yaml" --out "$TMP/ovr" --threads 1 -q --set fit.batch_size=32
kill -KILL "$pid"
wait "$pid" 2>/dev/null
run 0 "$NNRUN" --resume "$TMP/ovr" -q
same_as_ref "$TMP/ovr"
grep -q '^ovr,resume,fit.batch_size=32,' "$TMP/results.csv" || { cat "$TMP/results.csv" >&2; fail "resumed row lost its overrides"; }
ok

# --- resume errors
run 2 "$NNRUN" --resume "$TMP/nowhere"
contains "$TMP/err" "cannot resume $TMP/nowhere"
run 2 "$NNRUN" --resume "$TMP/ref" --set fit.epochs=9
contains "$TMP/err" "--resume continues a run as it started"
run 2 "$NNRUN" --resume "$TMP/ref" "$TMP/run.yaml"
contains "$TMP/err" "give no CONFIG.yaml"
cp -r "$TMP/ref" "$TMP/edited"
sed -i 's/epochs: 4/epochs: 5/' "$TMP/edited/config.yaml"
run 2 "$NNRUN" --resume "$TMP/edited"
contains "$TMP/err" "config.yaml changed since it was written"
cp -r "$TMP/ref" "$TMP/damaged"
head -c 100 "$TMP/ref/checkpoint.safetensors" >"$TMP/damaged/checkpoint.safetensors"
run 2 "$NNRUN" --resume "$TMP/damaged"
contains "$TMP/err" "is not a valid safetensors file"

# --- --load-weights and eval
run 0 "$NNRUN" "$TMP/run.yaml" --out "$TMP/warm" --epochs 1 --load-weights "$TMP/ref/weights.safetensors" -q
contains "$TMP/warm/results.json" "\"initial_weights\": \"$TMP/ref/weights.safetensors\""
cmp -s "$TMP/warm/weights.safetensors" "$TMP/ref/weights.safetensors" && fail "--load-weights: no training"
ok
sed 's/units: 16/units: 12/' "$TMP/run.yaml" >"$TMP/narrow.yaml"
run 2 "$NNRUN" "$TMP/narrow.yaml" --out "$TMP/never" --load-weights "$TMP/ref/weights.safetensors"
contains "$TMP/err" "does not fit the model"
contains "$TMP/err" "different shape: dense.kernel is [784, 16] in the file, [784, 12] in the model"
[ -e "$TMP/never" ] && fail "a bad weights file created the run directory"
ok
run 0 "$NNRUN" eval "$TMP/ref/config.yaml" --weights "$TMP/ref/weights.safetensors" --threads 1
contains "$TMP/out" "Test on 100 samples"
loss=$(sed -n 's/.*"loss": \([0-9.e-]*\).*/\1/p' "$TMP/ref/results.json" | tail -n 1)
contains "$TMP/out" "loss: $(awk "BEGIN { printf \"%.4f\", $loss }")"
run 0 "$NNRUN" eval "$TMP/ref/config.yaml" --weights "$TMP/ref/checkpoint.safetensors"
contains "$TMP/out" "Test on 100 samples"
run 2 "$NNRUN" eval "$TMP/ref/config.yaml"
contains "$TMP/err" "--weights FILE is required"
run 2 "$NNRUN" eval "$TMP/narrow.yaml" --weights "$TMP/ref/weights.safetensors"
contains "$TMP/err" "does not fit the model"
run 2 "$NNRUN" eval "$TMP/ref/config.yaml" --weights "$TMP/ref/history.csv"
contains "$TMP/err" "is not a valid safetensors file"
run 0 "$NNRUN" eval --help
contains "$TMP/out" "Usage: nnrun eval"
done_ok
