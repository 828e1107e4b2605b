#!/bin/sh
# test_check.sh — `nnrun check`: the stored output for resnet10, the notebook's parameter
# counts for every config, no data needed and nothing written; and the resolved
# configuration of a branching model, which must repeat its run.
. "$(dirname "$0")/lib.sh"

# --- the whole output for lab step 6, against the stored file
export NNRUN_DATA="$TMP/no-data-here"
run 0 "$NNRUN" check configs/resnet10.yaml
if ! cmp -s "$TMP/out" tests/cli/expected/check_resnet10.txt; then
    diff tests/cli/expected/check_resnet10.txt "$TMP/out" >&2
    fail "nnrun check configs/resnet10.yaml differs from tests/cli/expected/check_resnet10.txt
(after a deliberate change to the summary, the costs or a layer's memory, store the new output:
bin/nnrun check configs/resnet10.yaml >tests/cli/expected/check_resnet10.txt)"
fi
ok
[ -s "$TMP/err" ] && fail "check wrote to stderr"
ok

# --- every notebook config prints the notebook's counts (the issue's table)
while read -r file total trainable fixed; do
    run 0 "$NNRUN" check "configs/$file"
    contains "$TMP/out" "Total params: $total
Trainable params: $trainable
Non-trainable params: $fixed"
done <<'TABLE'
baseline.yaml 59,210 59,210 0
functional.yaml 59,210 59,210 0
resnet_shallow.yaml 152,330 151,818 512
resnet10.yaml 441,226 436,618 4,608
resnet_skip13.yaml 202,890 201,866 1,024
cifar_baseline.yaml 205,642 205,642 0
cifar_resnet.yaml 1,361,802 1,361,290 512
fashion_mnist.yaml 59,210 59,210 0
TABLE
# and every file there checks, including ones not in the table
for f in configs/*.yaml; do
    run 0 "$NNRUN" check "$f"
done

# --- overrides are checked the same way, and the estimate follows the batch size
run 0 "$NNRUN" check configs/resnet10.yaml --set fit.batch_size=1024 --epochs 3 --seed 9
contains "$TMP/out" "Memory for batch size 1024 (fit.batch_size)"
run 2 "$NNRUN" check configs/resnet10.yaml --set fit.batch_size=0
contains "$TMP/err" "nnrun: error: <--set 1>:1:16: fit.batch_size: must be in [1, 1048576], got 0"
run 2 "$NNRUN" check configs/resnet10.yaml --epochs 0
contains "$TMP/err" "--epochs: expected an integer >= 1"
# check writes nothing: no run directory under the working directory
root=$(pwd)
(cd "$TMP" && "$NNRUN" check "$root/configs/baseline.yaml" >/dev/null) || fail "check from elsewhere"
[ -e "$TMP/runs" ] && fail "check created a run directory"
ok
run 2 "$NNRUN" check
contains "$TMP/err" "no configuration file given"
run 2 "$NNRUN" check "$TMP/missing.yaml"
contains "$TMP/err" "$TMP/missing.yaml"
run 0 "$NNRUN" check --help
contains "$TMP/out" "Usage: nnrun check"

# --- the resolved configuration repeats the run: a branching model from configs/, on
# generated digits, then its run directory's config.yaml
mkdir "$TMP/data" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data" 600 100 || fail "fixture"
run 0 "$NNRUN" configs/resnet_skip13.yaml --set data.dir="$TMP/data" --epochs 2 \
    --set fit.batch_size=64 --out "$TMP/run1" --threads 1 -q
contains "$TMP/run1/config.yaml" "momentum: 0.99"          # defaults written in
contains "$TMP/run1/config.yaml" "batch_size: 64"          # overrides applied
contains "$TMP/run1/config.yaml" "residual:"               # the language as written
contains "$TMP/run1/model.txt" "Total params: 202,890"
run 0 "$NNRUN" "$TMP/run1/config.yaml" --out "$TMP/run2" --threads 1 -q
cmp -s "$TMP/run1/history.csv" "$TMP/run2/history.csv" || fail "the resolved config did not repeat the run"
ok
cmp -s "$TMP/run1/model.txt" "$TMP/run2/model.txt" || fail "the resolved config built another model"
ok
# and resolving it again changes nothing
tail -n +2 "$TMP/run1/config.yaml" >"$TMP/a.yaml"
tail -n +2 "$TMP/run2/config.yaml" >"$TMP/b.yaml"
cmp -s "$TMP/a.yaml" "$TMP/b.yaml" || fail "config.yaml of the repeated run differs"
ok
done_ok
