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
