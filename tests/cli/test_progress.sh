#!/bin/sh
# test_progress.sh — what a run prints while it trains: the live bar on a terminal (run
# under a pseudo-terminal with script(1)), one plain line per epoch elsewhere, and
# --log-format jsonl for machines (checked against history.csv and results.json).
. "$(dirname "$0")/lib.sh"

mnist_fixture 600 200
small_config "$TMP/small.yaml" small 3

# --- not a terminal: one line per epoch, no carriage return, no escape sequence
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/plain"
[ "$(grep -c '^Epoch [1-3]/3 - 540/540 - [0-9.]*s [0-9]*[mu]*s/sample - loss: [0-9.e+-]* - accuracy: [0-9.e+-]* - val_loss: [0-9.e+-]* - val_accuracy: [0-9.e+-]*$' "$TMP/out")" -eq 3 ] \
    || fail "epoch lines: $(cat "$TMP/out")"
ok
lacks "$TMP/out" "$(printf '\r')"
lacks "$TMP/out" "$(printf '\033')"
lacks "$TMP/out" "ETA"

# --- a terminal: Keras's bar, redrawn in place, then the epoch's line
if script -q -e -c true /dev/null >/dev/null 2>&1; then
    script -q -e -c "'$NNRUN' '$TMP/small.yaml' --out '$TMP/tty'" /dev/null >"$TMP/tty.out" 2>&1 \
        || fail "run under a terminal: $(cat "$TMP/tty.out")"
    /usr/bin/python3 - "$TMP/tty.out" <<'PY' || fail "terminal output: $(cat -A "$TMP/tty.out" | head -n 20)"
import re, sys
text = open(sys.argv[1], encoding="utf-8", newline="").read().replace("\r\n", "\n")  # the tty's ONLCR
assert text.count("Epoch 1/3\n") == 1 and text.count("Epoch 3/3\n") == 1, "epoch headers"
# a redraw: back to the line's start, samples, a partial bar, ETA, elapsed, throughput,
# the running loss and accuracy, and a clear to the line's end
redraw = re.compile(r"\r\s*\d+/540 \[=*>\.*\] - ETA: \d+s - elapsed: \d+s"
                    r"( - \d+ samples/s)? - loss: [0-9.e+-]+ - accuracy: [0-9.e+-]+\x1b\[K")
assert len(redraw.findall(text)) >= 3, "no redraws"
done = re.compile(r"540/540 \[={30}\] - \d+s \d+[mu]?s/sample - loss: [0-9.e+-]+ - accuracy: "
                  r"[0-9.e+-]+ - val_loss: [0-9.e+-]+ - val_accuracy: [0-9.e+-]+\x1b\[K\n")
assert len(done.findall(text)) == 3, "epoch lines"
assert "Test on 200 samples" in text
PY
    ok
    cmp -s "$TMP/plain/history.csv" "$TMP/tty/history.csv" || fail "the display changed the run"
    ok
else
    echo "note: script(1) cannot make a pseudo-terminal here; the live bar is not tested"
fi

# --- jsonl: stdout is one JSON object per line; the text goes to stderr
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/j" --log-format jsonl
contains "$TMP/err" "Epoch 3/3 - 540/540"
/usr/bin/python3 - "$TMP/out" "$TMP/j" <<'PY' || fail "jsonl: $(cat "$TMP/out")"
import csv, json, sys
objs = [json.loads(line) for line in open(sys.argv[1])]
assert [o["event"] for o in objs] == ["epoch"] * 3 + ["end"], objs
history = list(csv.DictReader(open(sys.argv[2] + "/history.csv", newline="")))
for o, row in zip(objs, history):
    assert o["epoch"] == int(row["epoch"]) and o["epochs"] == 3 and o["seed"] == 1, o
    assert o["samples"] == 540 and o["seconds"] > 0, o
    for k in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert o[k] == float(row[k]), (k, o[k], row[k])
end = objs[-1]
results = json.load(open(sys.argv[2] + "/results.json"))
assert end["run_dir"] == sys.argv[2] and end["status"] == "ok", end
assert end["epochs_run"] == 3 and end["stop_reason"] == "completed", end
assert end["test_loss"] == results["test"]["loss"], (end, results["test"])
assert end["test_accuracy"] == results["test"]["accuracy"], (end, results["test"])
PY
ok
# quiet: the JSON lines only
run 0 "$NNRUN" "$TMP/small.yaml" --out "$TMP/jq" --log-format jsonl -q
[ -s "$TMP/err" ] && fail "--quiet wrote text: $(cat "$TMP/err")"
ok
[ "$(wc -l <"$TMP/out")" -eq 4 ] || fail "4 JSON lines expected"
ok
# a failed run ends with its error as JSON
run 1 "$NNRUN" "$TMP/small.yaml" --out "$TMP/jn" --log-format jsonl -q --set compile.optimizer.sgd.lr=1e30
tail -n 1 "$TMP/out" | grep -q '^{"event":"end",.*"status":"error","error":".*the loss became' \
    || fail "error end: $(cat "$TMP/out")"
ok
run 2 "$NNRUN" "$TMP/small.yaml" --log-format xml
contains "$TMP/err" "--log-format: expected text or jsonl, got 'xml'"
done_ok
