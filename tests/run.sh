#!/bin/sh
# run.sh TEST_DIR NNRUN — runs every CMocka suite under TEST_DIR, then every CLI test in
# tests/cli/ against the nnrun binary NNRUN. Exits non-zero when anything failed.
set -u
test_dir=$1
nnrun=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
# helper programs the CLI tests use (fixture writers), built next to the tests
NNRUN_TOOLS=$(cd "${NNRUN_TOOLS:-$test_dir/../tools}" 2>/dev/null && pwd)
export NNRUN_TOOLS
failed=""
total=0

for t in $(find "$test_dir" -type f -name 'test_*' -perm -u+x | sort); do
    total=$((total + 1))
    if ! "$t" >"$t.log" 2>&1; then
        cat "$t.log"
        failed="$failed $t"
    else
        grep -E '^\[  PASSED  \]' "$t.log" | sed "s|^|$(basename "$t"): |"
    fi
done

for t in $(ls tests/cli/test_*.sh 2>/dev/null | sort); do
    total=$((total + 1))
    log=$test_dir/$(basename "$t" .sh).log
    if ! NNRUN="$nnrun" sh "$t" >"$log" 2>&1; then
        cat "$log"
        failed="$failed $t"
    else
        echo "$(basename "$t"): $(tail -n 1 "$log")"
    fi
done

if [ -n "$failed" ]; then
    echo "FAILED:$failed"
    exit 1
fi
echo "all $total test programs passed"
