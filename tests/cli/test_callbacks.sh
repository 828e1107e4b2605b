#!/bin/sh
# test_callbacks.sh — fit.callbacks end to end: the lr column in history.csv, early
# stopping, model_checkpoint's files, terminate_on_nan on a diverging learning rate, and
# callback errors found before anything runs.
. "$(dirname "$0")/lib.sh"

mnist_fixture 400 100
small_config "$TMP/base.yaml" cb 4
cp "$TMP/base.yaml" "$TMP/sched.yaml"
cat >>"$TMP/sched.yaml" <<YAML
  callbacks:
    - reduce_lr_on_plateau: {patience: 100}
    - lr_schedule: {initial: 0.05, steps: [{after: 1, factor: 0.1}, {after: 2, factor: 0.01}]}
    - model_checkpoint: {filepath: "ckpt/w.{epoch:02d}-{val_loss:.2f}.safetensors"}
YAML

# --- the lr column: the rates as Keras logs them (float32), set per epoch by the schedule
run 0 "$NNRUN" "$TMP/sched.yaml" --out "$TMP/sched" -q
[ "$(head -n 1 "$TMP/sched/history.csv" | tr -d '\r')" = "epoch,accuracy,loss,lr,val_accuracy,val_loss" ] \
    || fail "history header: $(head -n 1 "$TMP/sched/history.csv")"
ok
lr_column() { tr -d '\r' <"$1" | awk -F, 'NR > 1 { print $4 }' | tr '\n' ' '; }
# float32(0.05), float32(0.005), float32(0.0005) printed as Python floats
[ "$(lr_column "$TMP/sched/history.csv")" = \
  "0.05000000074505806 0.05000000074505806 0.004999999888241291 0.0005000000237487257 " ] \
    || fail "lr column: $(lr_column "$TMP/sched/history.csv")"
ok
[ "$(ls "$TMP/sched/ckpt" | grep -c '^w\.0[1-4]-[0-9]\.[0-9][0-9]\.safetensors$')" -eq 4 ] \
    || { ls "$TMP/sched/ckpt"; fail "model_checkpoint files"; }
ok
# a checkpoint file is a weights file for eval
first=$(ls "$TMP/sched/ckpt" | head -n 1)
run 0 "$NNRUN" eval "$TMP/sched/config.yaml" --weights "$TMP/sched/ckpt/$first"
contains "$TMP/out" "Test on 100 samples"
# without a schedule or plateau callback there is no lr column
run 0 "$NNRUN" "$TMP/base.yaml" --out "$TMP/plain" -q --epochs 1
[ "$(head -n 1 "$TMP/plain/history.csv" | tr -d '\r')" = "epoch,accuracy,loss,val_accuracy,val_loss" ] \
    || fail "plain history header"
ok

# --- early stopping: monitor maximised val_loss never improves after the first epoch
run 0 "$NNRUN" "$TMP/base.yaml" --out "$TMP/early" \
    --set 'fit.callbacks=[{early_stopping: {mode: max, patience: 1}}]'
contains "$TMP/out" "Epoch 2: early stopping: val_loss did not improve on"
contains "$TMP/out" "Test on 100 samples"
[ "$(wc -l <"$TMP/early/history.csv")" -eq 3 ] || fail "early stopping: rows"
ok
contains "$TMP/early/results.json" '"stop_reason": "early_stopping"'
contains "$TMP/early/results.json" '"stop_message": "Epoch 2: early stopping'
contains "$TMP/early/results.json" '"epochs_run": 2'
[ -s "$TMP/early/weights.safetensors" ] || fail "early stopping: no weights"
ok
# the mapping form, as --set builds it key by key
run 0 "$NNRUN" "$TMP/base.yaml" --out "$TMP/early2" -q \
    --set fit.callbacks.early_stopping.mode=max --set fit.callbacks.early_stopping.patience=1
cmp -s "$TMP/early/history.csv" "$TMP/early2/history.csv" || fail "mapping form differs"
ok
contains "$TMP/early2/config.yaml" "restore_best_weights: false"
# resuming an early-stopped run trains nothing more
cp "$TMP/early/history.csv" "$TMP/early.history"
run 0 "$NNRUN" --resume "$TMP/early"
contains "$TMP/out" "the run had finished (2 epochs, early_stopping); nothing left to train"
cmp -s "$TMP/early.history" "$TMP/early/history.csv" || fail "resuming an early-stopped run trained"
ok

# --- terminate_on_nan: a diverging rate stops the run with the first bad layer named,
# history and results still written; exit status 1 (a non-finite loss is a failure)
run 1 "$NNRUN" "$TMP/base.yaml" --out "$TMP/nan" --set compile.optimizer.sgd.lr=1e30 \
    --set 'fit.callbacks=[terminate_on_nan]'
contains "$TMP/err" "Invalid loss, terminating training: the loss became"
contains "$TMP/err" "at epoch 1, batch"
contains "$TMP/err" "(first non-finite: the "
contains "$TMP/err" " of layer 'dense"
[ "$(wc -l <"$TMP/nan/history.csv")" -eq 2 ] || fail "terminate_on_nan: the epoch's row"
ok
# no validation after a stop mid-epoch (Keras), and the first row fixes the columns
[ "$(tr -d '\r' <"$TMP/nan/history.csv" | head -n 1)" = "epoch,accuracy,loss" ] \
    || fail "terminate_on_nan header: $(head -n 1 "$TMP/nan/history.csv")"
ok
tr -d '\r' <"$TMP/nan/history.csv" | tail -n 1 | grep -q '^0,[0-9.]*,nan$' \
    || fail "terminate_on_nan row: $(tail -n 1 "$TMP/nan/history.csv")"
ok
contains "$TMP/nan/results.json" '"stop_reason": "terminate_on_nan"'
contains "$TMP/nan/results.json" '"stop_message": "Batch '
[ -s "$TMP/nan/weights.safetensors" ] || fail "terminate_on_nan: no weights"
ok

# --- the notebook's step 10 (configs/cifar_resnet_custom.yaml, narrowed to 8 units per pixel)
# trains on generated CIFAR-10 data with its schedule in the lr column, and gives the same
# bytes with 1 and 2 threads
mkdir "$TMP/cifar" && "$NNRUN_TOOLS/mkfixture" cifar10 "$TMP/cifar" 24 30 || fail "cifar fixture"
sed -e 's/units: 128/units: 8/; s/dense: 128$/dense: 8/' configs/cifar_resnet_custom.yaml >"$TMP/step10.yaml"
for t in 1 2; do
    run 0 "$NNRUN" "$TMP/step10.yaml" --out "$TMP/step10_$t" --threads "$t" -q \
        --set data.dir="$TMP/cifar" --epochs 13
done
cmp "$TMP/step10_1/history.csv" "$TMP/step10_2/history.csv" || fail "step 10: threads changed history"
cmp "$TMP/step10_1/weights.safetensors" "$TMP/step10_2/weights.safetensors" \
    || fail "step 10: threads changed the weights"
ok
contains "$TMP/step10_1/model.txt" "Total params: 82,242"
# epochs 0..10 at 1e-3, then 1e-4 (float32 as Keras logs them) unless the reducer fired
tr -d '\r' <"$TMP/step10_1/history.csv" | awk -F, 'NR == 2 || NR == 12 { print $4 }' | tr '\n' ' ' \
    | grep -qx '0.0010000000474974513 0.0010000000474974513 ' || fail "step 10: lr column"
ok
tr -d '\r' <"$TMP/step10_1/history.csv" | awk -F, 'NR == 13 { print $4 }' \
    | grep -Eqx '(9.999999747378752e-05|3.16227[0-9]*e-05)' || fail "step 10: lr at epoch 12"
ok

# --- errors come before anything runs, at their line, from check too
cp "$TMP/base.yaml" "$TMP/bad.yaml"
cat >>"$TMP/bad.yaml" <<YAML
  callbacks:
    - reduce_lr_on_plateau: {patience: 3, factr: 0.5}
YAML
run 2 "$NNRUN" "$TMP/bad.yaml" --out "$TMP/never"
contains "$TMP/err" "bad.yaml:22:43: unknown key 'factr' in fit.callbacks[0].reduce_lr_on_plateau (did you mean 'factor'?)"
[ -e "$TMP/never" ] && fail "a bad callback created the run directory"
ok
run 2 "$NNRUN" check "$TMP/bad.yaml"
contains "$TMP/err" "unknown key 'factr'"
run 2 "$NNRUN" "$TMP/base.yaml" --set data.validation_split=0 --set 'fit.callbacks=[early_stopping]'
contains "$TMP/err" "'val_loss' is not in this run's logs; val_ values need data.validation_split > 0"
done_ok
