#!/bin/sh
# test_train.sh — nnrun trains end to end on a small generated MNIST-format data set:
# outputs, their formats, repeatability, and the errors a user meets first.
. "$(dirname "$0")/lib.sh"

mkdir "$TMP/data" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data" 1200 300 || fail "fixture"
cat >"$TMP/small.yaml" <<YAML
# a small MLP on the generated digits
name: small
data:
  dataset: mnist
  dir: $TMP/data
  preprocess:
    - divide: 255
    - l2_normalize: {axis: 1}
  validation_split: 0.1
model:
  input: [28, 28]
  layers:
    - flatten: {}
    - dense: {units: 32, activation: relu}
    - dense: {units: 10, activation: softmax}
compile:
  loss: sparse_categorical_crossentropy
  optimizer: {sgd: {lr: 0.05, momentum: 0.9, nesterov: true}}
  metrics: [accuracy]
fit:
  epochs: 4
  batch_size: 32
YAML

# --- a run and what it leaves
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/run1" --threads 1
contains "$TMP/out" "Train on 1080 samples, validate on 120 samples"
contains "$TMP/out" "Epoch 4/4"
contains "$TMP/out" "Test on 300 samples"
lacks "$TMP/out" "$(printf '\r')"
for f in config.yaml model.txt history.csv results.json; do
    [ -s "$TMP/run1/$f" ] || fail "run directory lacks $f"
    ok
done
ls "$TMP/run1" | grep -q tmp && fail "temporary files left in the run directory"
contains "$TMP/run1/model.txt" "Total params: 25,450"
# history.csv: Keras CSVLogger layout, CRLF, one row per epoch
head -n 1 "$TMP/run1/history.csv" | od -c | grep -q '\\r  \\n' || fail "history header not CRLF"
ok
[ "$(head -n 1 "$TMP/run1/history.csv" | tr -d '\r')" = "epoch,accuracy,loss,val_accuracy,val_loss" ] \
    || fail "history header: $(head -n 1 "$TMP/run1/history.csv")"
ok
[ "$(wc -l <"$TMP/run1/history.csv")" -eq 5 ] || fail "history rows"
ok
# the generated digits are easy: the run must learn them
acc=$(sed -n 's/.*"accuracy": \([0-9.]*\).*/\1/p' "$TMP/run1/results.json" | tail -n 1)
awk "BEGIN { exit !($acc >= 0.9) }" || fail "test accuracy $acc < 0.9"
ok
contains "$TMP/run1/results.json" '"stop_reason": "completed"'
contains "$TMP/run1/results.json" '"sha256": '
# the resolved config repeats the run, byte for byte
run 0 "$NNRUN" "$TMP/run1/config.yaml" --out "$TMP/run2" --threads 1
cmp -s "$TMP/run1/history.csv" "$TMP/run2/history.csv" || fail "same seed, different history"
ok
# and so does another thread count
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/run3" --threads 2
cmp -s "$TMP/run1/history.csv" "$TMP/run3/history.csv" || fail "thread count changed the history"
ok
# another seed gives another run
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/run4" --seed 2 -q
[ -s "$TMP/out" ] && fail "--quiet printed something"
cmp -s "$TMP/run1/history.csv" "$TMP/run4/history.csv" && fail "--seed had no effect"
ok
# overrides: --epochs and --set land in the resolved config
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/run5" --epochs 1 --set fit.batch_size=64 -q
contains "$TMP/run5/config.yaml" "epochs: 1"
contains "$TMP/run5/config.yaml" "batch_size: 64"
[ "$(wc -l <"$TMP/run5/history.csv")" -eq 2 ] || fail "--epochs 1"
ok
# default run directory: runs/<name>/<date-time> under the working directory
(cd "$TMP" && "$NNRUN" small.yaml -q --epochs 1) || fail "default run directory"
ls -d "$TMP"/runs/small/2* >/dev/null 2>&1 || fail "no runs/small/<id>"
ok

# --- errors: clear, located, right exit status, nothing left behind
run 2 "$NNRUN"
contains "$TMP/err" "no configuration file given"
run 2 "$NNRUN" "$TMP/missing.yaml"
contains "$TMP/err" "cannot open $TMP/missing.yaml"
run 2 "$NNRUN" --frobnicate "$TMP/small.yaml"
contains "$TMP/err" "unknown option '--frobnicate'"
run 2 "$NNRUN" "$TMP/small.yaml" --threads zero
sed 's/batch_size: 32/batch_szie: 32/' "$TMP/small.yaml" >"$TMP/typo.yaml"
run 2 "$NNRUN" "$TMP/typo.yaml" --out "$TMP/never"
contains "$TMP/err" "typo.yaml:22:3: unknown key 'batch_szie' in fit (did you mean 'batch_size'?)"
[ -e "$TMP/never" ] && fail "a bad config created the run directory"
ok
run 2 "$NNRUN" "$TMP/small.yaml" --set fit.epochs=many --out "$TMP/never"
contains "$TMP/err" "fit.epochs: expected an integer"
run 2 "$NNRUN" "$TMP/small.yaml" --set data.dir="$TMP/nodata" --out "$TMP/never"
contains "$TMP/err" "$TMP/nodata"
[ -e "$TMP/never" ] && fail "missing data created the run directory"
ok
sed 's/input: \[28, 28\]/input: [784]/' "$TMP/small.yaml" >"$TMP/shape.yaml"
run 2 "$NNRUN" "$TMP/shape.yaml" --out "$TMP/never"
contains "$TMP/err" "model input is [784]"
# an output directory that cannot be written
mkdir "$TMP/ro" && chmod 500 "$TMP/ro"
if [ "$(id -u)" != 0 ]; then
    run 1 "$NNRUN" "$TMP/small.yaml" --out "$TMP/ro/run"
    contains "$TMP/err" "cannot"
fi
touch "$TMP/afile"
run 1 "$NNRUN" "$TMP/small.yaml" --out "$TMP/afile/run"
contains "$TMP/err" "afile"
# a diverging learning rate stops with a message naming epoch and batch; history is kept
run 1 "$NNRUN" "$TMP/small.yaml" --set compile.optimizer.sgd.lr=1e30 --out "$TMP/nan"
contains "$TMP/err" "the loss became"
contains "$TMP/err" "at epoch 1, batch"
contains "$TMP/nan/results.json" '"stop_reason": "nan"'

# --- help and version
run 0 "$NNRUN" --help
contains "$TMP/out" "Usage: nnrun"
contains "$TMP/out" "--set KEY=VALUE"
run 0 "$NNRUN" --version
contains "$TMP/out" "nnrun "
run 0 "$NNRUN" check "$TMP/small.yaml"
contains "$TMP/out" "Total params: 25,450"
done_ok
