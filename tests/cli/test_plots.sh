#!/bin/sh
# test_plots.sh — scripts/plot_history.py (pandas + matplotlib) and scripts/plot_history.gp
# (gnuplot) on a real run's history.csv: a PNG of the expected size, one or several runs,
# and a loud failure, with nothing written, on a malformed history. Needs Debian's
# python3-pandas, python3-matplotlib and gnuplot-nox (`make test` installs them).
. "$(dirname "$0")/lib.sh"

root=$(cd "$(dirname "$0")/../.." && pwd)
py=$root/scripts/plot_history.py
gp=$root/scripts/plot_history.gp
/usr/bin/python3 -c 'import pandas, matplotlib' 2>/dev/null \
    || fail "python3-pandas and python3-matplotlib are needed: make test-deps"
command -v gnuplot >/dev/null || fail "gnuplot is needed: make test-deps"

# png_size FILE: "WIDTH HEIGHT" from the PNG signature and IHDR chunk, or nothing
png_size() {
    [ "$(od -An -c -j1 -N3 "$1" 2>/dev/null | tr -d ' ')" = PNG ] || return 0
    od -An -tu1 -j16 -N8 "$1" |
        awk '{ print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4, $5 * 16777216 + $6 * 65536 + $7 * 256 + $8 }'
}

mnist_fixture 600 200
small_config "$TMP/small.yaml" small 4 '{sgd: {lr: 0.02}}'
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/runs/a" -q
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/runs/b" -q --seed 2

# --- matplotlib: the notebook's 10 x 5 inch figure, 1000 x 500 at 100 dpi
run 0 "$py" "$TMP/runs/a"
contains "$TMP/out" "$TMP/runs/a/history.png"
[ "$(png_size "$TMP/runs/a/history.png")" = "1000 500" ] || fail "size: $(png_size "$TMP/runs/a/history.png")"
ok
run 0 "$py" "$TMP/runs/a" -o "$TMP/small.png" --dpi 50 --title "a title"
[ "$(png_size "$TMP/small.png")" = "500 250" ] || fail "--dpi 50: $(png_size "$TMP/small.png")"
ok
# several runs on one figure; the default file is history.png where it is run
(cd "$TMP" && "$py" runs/a runs/b >"$TMP/out" 2>"$TMP/err") || fail "two runs: $(cat "$TMP/err")"
[ "$(png_size "$TMP/history.png")" = "1000 500" ] || fail "two runs: no PNG"
ok
run 0 "$py" "$TMP/runs/a/history.csv" -o "$TMP/direct.png"
[ "$(png_size "$TMP/direct.png")" = "1000 500" ] || fail "a CSV file given directly"
ok

# --- gnuplot: the same figure
run 0 gnuplot -c "$gp" "$TMP/runs/a" -o "$TMP/gp.png"
[ "$(png_size "$TMP/gp.png")" = "1000 500" ] || fail "gnuplot size: $(png_size "$TMP/gp.png")"
ok
run 0 gnuplot -c "$gp" "$TMP/runs/a" "$TMP/runs/b" -o "$TMP/gp2.png" -t "two runs"
[ "$(png_size "$TMP/gp2.png")" = "1000 500" ] || fail "gnuplot, two runs"
ok
run 0 gnuplot -c "$gp" "$TMP/runs/b"
[ "$(png_size "$TMP/runs/b/history.png")" = "1000 500" ] || fail "gnuplot's default output"
ok

# --- malformed histories: exit 1, a message naming the file, no PNG
bad() { # bad NAME CONTENT: a run directory whose history.csv is CONTENT
    mkdir -p "$TMP/bad/$1"
    printf "$2" >"$TMP/bad/$1/history.csv"
}
bad header-only 'epoch,accuracy,loss,val_accuracy,val_loss\r\n'
bad words 'epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,0.9,0.6,0.8\r\n1,0.6,lots,0.7,0.7\r\n'
bad no-epoch 'step,loss\n0,0.5\n'
bad no-metric 'epoch,lr\n0,0.01\n'
bad ragged 'epoch,accuracy,loss\n0,0.5,0.9\n1,0.6,0.8,0.1,0.3\n'
bad empty ''
mkdir -p "$TMP/bad/missing"
for b in header-only words no-epoch no-metric ragged empty missing; do
    run 1 "$py" "$TMP/bad/$b" -o "$TMP/bad/$b.png"
    contains "$TMP/err" "plot_history.py: error: $TMP/bad/$b/history.csv"
    [ -e "$TMP/bad/$b.png" ] && fail "python wrote a PNG for $b"
    ok
done
contains "$TMP/err" "no such file"
run 1 "$py" "$TMP/bad/words"
contains "$TMP/err" "history.csv:3: loss: 'lots' is not a number"
run 1 "$py" "$TMP/runs/a" "$TMP/bad/ragged" -o "$TMP/bad/mixed.png"
[ -e "$TMP/bad/mixed.png" ] && fail "one bad run among good ones still drew"
ok
for b in header-only words no-epoch no-metric empty missing; do
    run 1 gnuplot -c "$gp" "$TMP/bad/$b" -o "$TMP/bad/$b.gp.png"
    contains "$TMP/err" "plot_history.gp: error: $TMP/bad/$b/history.csv"
    [ -e "$TMP/bad/$b.gp.png" ] && fail "gnuplot wrote a PNG for $b"
    ok
done
run 2 gnuplot -c "$gp"
contains "$TMP/err" "Usage: gnuplot -c scripts/plot_history.gp"
run 2 "$py"
done_ok
