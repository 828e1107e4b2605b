#!/bin/sh
# test_bad_configs.sh — every file of tests/config/bad/ through the binary: `nnrun check` and
# `nnrun` (on generated data, so a fault found only in the data is reached too) must both
# exit with status 2 — not 0, not 1, not a crash — print the located error the file's
# header announces (format: tests/config/bad/README.md), and leave no run directory.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/data/mnist" && "$NNRUN_TOOLS/mkfixture" mnist "$TMP/data/mnist" 200 50 || fail "fixture"
export NNRUN_DATA="$TMP/data"

n=0
for f in tests/config/bad/*.yaml; do
    n=$((n + 1))
    # the header: overrides, the expected error, and what a run says if it differs
    set --
    error="" run_error=""
    while IFS= read -r line; do
        case "$line" in
        "# set: "*) set -- "$@" --set "${line#\# set: }" ;;
        "# error: "*) error=${line#\# error: } ;;
        "# run-error: "*) run_error=${line#\# run-error: } ;;
        "#"*) ;;
        *) break ;;
        esac
    done <"$f"
    [ -n "$error" ] || fail "$f: no '# error:' line"
    case "$error" in
    "<--set "*) where="nnrun: error: $error" ;;
    *) where="nnrun: error: $f:$error" ;;
    esac

    run 2 "$NNRUN" check "$f" "$@"
    contains "$TMP/err" "$where"
    [ -s "$TMP/out" ] && fail "$f: check printed a summary for a bad configuration"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$f: the error is not one line"
    ok

    run 2 "$NNRUN" "$f" "$@" --out "$TMP/never" --threads 1
    if [ -n "$run_error" ]; then
        contains "$TMP/err" "$run_error"
    else
        contains "$TMP/err" "$where"
    fi
    [ -e "$TMP/never" ] && fail "$f: a bad configuration created the run directory"
    ok
done
[ "$n" -ge 30 ] || fail "only $n bad configurations"
ok
done_ok
