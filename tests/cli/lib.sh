# lib.sh — shared helpers for the CLI tests (sourced). Each test script runs with
# $NNRUN (the binary under test) and $NNRUN_TOOLS (fixture writers) set by tests/run.sh.
set -u
: "${NNRUN:?NNRUN must point at the nnrun binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nnrun-cli-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
checks=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

ok() {
    checks=$((checks + 1))
}

# run EXPECTED_STATUS CMD...: runs CMD with stdout/stderr in $TMP/out and $TMP/err
run() {
    want=$1
    shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    got=$?
    if [ "$got" != "$want" ]; then
        echo "--- stdout" >&2; cat "$TMP/out" >&2
        echo "--- stderr" >&2; cat "$TMP/err" >&2
        fail "expected exit $want, got $got: $*"
    fi
    ok
}

# contains FILE TEXT: FILE has the fixed string TEXT
contains() {
    grep -qF -- "$2" "$1" || { echo "--- $1:" >&2; cat "$1" >&2; fail "'$2' not in $1"; }
    ok
}

lacks() {
    if grep -qF -- "$2" "$1"; then cat "$1" >&2; fail "'$2' unexpectedly in $1"; fi
    ok
}

done_ok() {
    echo "ok: $checks checks"
}

# mnist_fixture N_TRAIN N_TEST: generated MNIST-format data in $TMP/data
mnist_fixture() {
    mkdir -p "$TMP/data" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data" "$1" "$2" || fail "fixture"
}

# small_config FILE NAME EPOCHS [OPTIMIZER]: a small MLP on $TMP/data, written to FILE
small_config() {
    cat >"$1" <<YAML
name: $2
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
    - dense: {units: 10, activation: softmax}
compile:
  loss: sparse_categorical_crossentropy
  optimizer: ${4:-"{sgd: {lr: 0.05, momentum: 0.9}}"}
  metrics: [accuracy]
fit:
  epochs: $3
  batch_size: 32
YAML
}
