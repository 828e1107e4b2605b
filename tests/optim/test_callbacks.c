/* test_callbacks.c — the Keras callbacks' rules against sequences of monitored values
 * worked out by hand from reference rows 25–29 (cooldown and min_lr edges included), the
 * notebook's lr_schedule epoch by epoch, checkpoint file names, and fit.callbacks read
 * from YAML with its errors. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "optim/callbacks.h"

/* --- lr_schedule ------------------------------------------------------------------- */

/* The notebook's function, as Python runs it:
 *   lr = 1e-3; if epoch > 25: lr *= 0.5e-3 elif epoch > 20: lr *= 1e-3
 *   elif epoch > 15: lr *= 1e-2 elif epoch > 10: lr *= 1e-1 */
static double notebook_lr(int epoch)
{
    double lr = 1e-3;
    if (epoch > 25)
        lr *= 0.5e-3;
    else if (epoch > 20)
        lr *= 1e-3;
    else if (epoch > 15)
        lr *= 1e-2;
    else if (epoch > 10)
        lr *= 1e-1;
    return lr;
}

static void test_notebook_schedule(void **state)
{
    (void)state;
    nn_lr_schedule_spec s = {.kind = NN_SCHED_STEPS, .initial = 1e-3, .n_steps = 4,
                             .steps = {{10, 1e-1}, {15, 1e-2}, {20, 1e-3}, {25, 0.5e-3}}};
    for (int e = 0; e < 30; e++)
        assert_true(nn_lr_schedule_at(&s, e) == notebook_lr(e));
    /* what the notebook printed before each epoch ("Learning rate: ..."), by hand */
    assert_true(nn_lr_schedule_at(&s, 10) == 0.001);   /* Epoch 11/30 */
    assert_true(nn_lr_schedule_at(&s, 11) == 0.0001);  /* Epoch 12/30 */
    assert_true(nn_lr_schedule_at(&s, 15) == 0.0001);
    assert_true(nn_lr_schedule_at(&s, 16) == 1e-05);   /* Epoch 17/30 */
    assert_true(nn_lr_schedule_at(&s, 21) == 1e-06);   /* Epoch 22/30 */
    assert_true(nn_lr_schedule_at(&s, 25) == 1e-06);
    assert_true(nn_lr_schedule_at(&s, 26) == 5e-07);   /* Epoch 27/30 */
    assert_true(nn_lr_schedule_at(&s, 29) == 5e-07);
}

static void test_exponential_and_cosine(void **state)
{
    (void)state;
    nn_lr_schedule_spec e = {.kind = NN_SCHED_EXPONENTIAL, .initial = 0.1, .decay_rate = 0.5,
                             .decay_epochs = 2};
    assert_true(nn_lr_schedule_at(&e, 0) == 0.1);
    assert_float_equal(nn_lr_schedule_at(&e, 1), 0.1 * sqrt(0.5), 1e-15);
    assert_float_equal(nn_lr_schedule_at(&e, 4), 0.025, 1e-15);
    e.staircase = true;
    assert_true(nn_lr_schedule_at(&e, 1) == 0.1);
    assert_float_equal(nn_lr_schedule_at(&e, 3), 0.05, 1e-15);

    nn_lr_schedule_spec c = {.kind = NN_SCHED_COSINE, .initial = 1.0, .decay_epochs = 4,
                             .alpha = 0.0};
    assert_float_equal(nn_lr_schedule_at(&c, 0), 1.0, 1e-15);
    assert_float_equal(nn_lr_schedule_at(&c, 2), 0.5, 1e-15);
    assert_float_equal(nn_lr_schedule_at(&c, 4), 0.0, 1e-15);
    assert_float_equal(nn_lr_schedule_at(&c, 9), 0.0, 1e-15); /* held after decay_epochs */
    c.alpha = 0.2;
    assert_float_equal(nn_lr_schedule_at(&c, 2), 0.8 * 0.5 + 0.2, 1e-15);
    assert_float_equal(nn_lr_schedule_at(&c, 7), 0.2, 1e-15);
}

/* --- reduce_lr_on_plateau --------------------------------------------------------- */

typedef struct plateau_row {
    double value;     /* the monitored value at this epoch's end */
    double lr;        /* the rate after the callback */
    int wait, cooldown;
} plateau_row;

static void walk_plateau(const nn_plateau_spec *s, double lr, const plateau_row *rows, int n)
{
    nn_plateau_state st;
    nn_plateau_reset(s, &st);
    for (int i = 0; i < n; i++) {
        lr = nn_plateau_step(s, &st, rows[i].value, lr);
        if (lr != rows[i].lr || st.wait != rows[i].wait || st.cooldown_counter != rows[i].cooldown)
            fail_msg("epoch %d: lr %g wait %d cooldown %d, expected %g %d %d", i, lr, st.wait,
                     st.cooldown_counter, rows[i].lr, rows[i].wait, rows[i].cooldown);
    }
}

static void test_plateau_cooldown_and_min_lr(void **state)
{
    (void)state;
    nn_plateau_spec s = {.monitor = "val_loss", .factor = 0.5, .patience = 2, .mode = NN_MODE_AUTO,
                         .min_delta = 0.0, .cooldown = 1, .min_lr = 0.1};
    const plateau_row rows[] = {
        {1.0, 1.0, 0, 0},    /* best = 1.0 */
        {1.0, 1.0, 1, 0},    /* equal is no improvement (min: cur < best - min_delta) */
        {1.1, 0.5, 0, 1},    /* wait 2 >= patience: halve, cooldown 1, wait 0 */
        {1.2, 0.5, 1, 0},    /* cooldown 1 -> 0 first, so this epoch already counts */
        {1.3, 0.25, 0, 1},   /* wait 2: halve again */
        {0.9, 0.25, 0, 0},   /* cooldown ends; improved: best 0.9 */
        {0.95, 0.25, 1, 0},
        {0.95, 0.125, 0, 1},
        {0.95, 0.125, 1, 0},
        {0.95, 0.1, 0, 1},   /* 0.0625 is below min_lr: held at 0.1 */
        {0.95, 0.1, 1, 0},
        {0.95, 0.1, 2, 0},   /* lr == min_lr: no reduction, and wait is not reset */
        {0.95, 0.1, 3, 0},
    };
    walk_plateau(&s, 1.0, rows, (int)(sizeof rows / sizeof rows[0]));
}

static void test_plateau_long_cooldown(void **state)
{
    (void)state;
    nn_plateau_spec s = {.monitor = "val_loss", .factor = 0.1, .patience = 1, .cooldown = 2,
                         .min_delta = 0.0};
    const plateau_row rows[] = {
        {5.0, 1.0, 0, 0},
        {6.0, 0.1, 0, 2},
        {6.0, 0.1, 0, 1},            /* in cooldown after the decrement: wait stays 0 */
        {6.0, 0.1 * 0.1, 0, 2},      /* the decrement ends cooldown: this epoch counts */
        {4.0, 0.1 * 0.1, 0, 1},      /* improves during cooldown: best 4.0 */
        {4.5, 0.1 * 0.1 * 0.1, 0, 2},
    };
    walk_plateau(&s, 1.0, rows, (int)(sizeof rows / sizeof rows[0]));
}

static void test_plateau_max_mode_min_delta_and_nan(void **state)
{
    (void)state;
    /* auto with "acc" in the name maximises; improvement needs cur > best + min_delta */
    nn_plateau_spec s = {.monitor = "val_accuracy", .factor = 0.5, .patience = 2,
                         .min_delta = 0.01, .min_lr = 0.0};
    const plateau_row rows[] = {
        {0.50, 1.0, 0, 0},
        {0.505, 1.0, 1, 0},  /* +0.005 is within min_delta */
        {0.52, 1.0, 0, 0},   /* +0.02 improves */
        {NAN, 1.0, 1, 0},    /* NaN never improves */
        {NAN, 0.5, 0, 0},    /* cooldown 0 */
    };
    walk_plateau(&s, 1.0, rows, 5);
    s.mode = NN_MODE_MIN; /* an explicit mode wins over the name */
    assert_false(nn_monitor_is_max(s.mode, s.monitor));
    assert_true(nn_monitor_is_max(NN_MODE_AUTO, "acc"));
    assert_true(nn_monitor_is_max(NN_MODE_MAX, "val_loss"));
    assert_false(nn_monitor_is_max(NN_MODE_AUTO, "val_loss"));
}

/* --- early_stopping ---------------------------------------------------------------- */

static void test_early_stopping(void **state)
{
    (void)state;
    nn_early_spec s = {.monitor = "val_loss", .min_delta = 0.1, .patience = 2, .baseline = NAN};
    nn_early_state st;
    nn_early_reset(&s, &st);
    assert_true(isinf(st.best) && st.best > 0);
    assert_int_equal(nn_early_step(&s, &st, 0, 1.0), NN_EARLY_IMPROVED);
    assert_int_equal(nn_early_step(&s, &st, 1, 0.95), NN_EARLY_WAITING); /* 0.95 + 0.1 >= 1.0 */
    assert_int_equal(st.wait, 1);
    assert_int_equal(nn_early_step(&s, &st, 2, 0.85), NN_EARLY_IMPROVED); /* 0.95 < 1.0 */
    assert_true(st.best == 0.85);
    assert_int_equal(st.best_epoch, 2);
    assert_int_equal(nn_early_step(&s, &st, 3, 0.9), NN_EARLY_WAITING);
    assert_int_equal(nn_early_step(&s, &st, 4, 0.9), NN_EARLY_STOP);
    assert_int_equal(st.stopped_epoch, 4);

    /* patience 0 (the default): the first epoch without improvement stops */
    nn_early_spec z = {.monitor = "loss", .patience = 0, .baseline = NAN};
    nn_early_reset(&z, &st);
    assert_int_equal(nn_early_step(&z, &st, 0, 2.0), NN_EARLY_IMPROVED);
    assert_int_equal(nn_early_step(&z, &st, 1, 2.0), NN_EARLY_STOP);

    /* a baseline the run never beats: it stops after `patience` epochs, no best epoch */
    nn_early_spec b = {.monitor = "val_loss", .patience = 2, .baseline = 0.5};
    nn_early_reset(&b, &st);
    assert_true(st.best == 0.5);
    assert_int_equal(nn_early_step(&b, &st, 0, 0.6), NN_EARLY_WAITING);
    assert_int_equal(nn_early_step(&b, &st, 1, 0.4), NN_EARLY_IMPROVED);
    assert_int_equal(nn_early_step(&b, &st, 2, 0.45), NN_EARLY_WAITING);
    assert_int_equal(nn_early_step(&b, &st, 3, 0.45), NN_EARLY_STOP);
    nn_early_reset(&b, &st);
    assert_int_equal(nn_early_step(&b, &st, 0, 0.6), NN_EARLY_WAITING);
    assert_int_equal(nn_early_step(&b, &st, 1, 0.5), NN_EARLY_STOP);
    assert_int_equal(st.best_epoch, -1);

    /* max mode: min_delta counts upwards; NaN never improves */
    nn_early_spec m = {.monitor = "val_accuracy", .min_delta = 0.01, .patience = 3,
                       .baseline = NAN};
    nn_early_reset(&m, &st);
    assert_int_equal(nn_early_step(&m, &st, 0, 0.5), NN_EARLY_IMPROVED);
    assert_int_equal(nn_early_step(&m, &st, 1, 0.505), NN_EARLY_WAITING);
    assert_int_equal(nn_early_step(&m, &st, 2, 0.52), NN_EARLY_IMPROVED);
    assert_int_equal(nn_early_step(&m, &st, 3, NAN), NN_EARLY_WAITING);
}

/* --- model_checkpoint -------------------------------------------------------------- */

static void test_model_checkpoint_rule(void **state)
{
    (void)state;
    nn_model_ckpt_spec s = {.monitor = "val_loss", .save_best_only = true};
    nn_model_ckpt_state st;
    nn_model_ckpt_reset(&s, &st);
    assert_true(nn_model_ckpt_step(&s, &st, 3.0));
    assert_true(nn_model_ckpt_step(&s, &st, 2.0));
    assert_false(nn_model_ckpt_step(&s, &st, 2.0)); /* strictly better only */
    assert_false(nn_model_ckpt_step(&s, &st, NAN));
    assert_true(nn_model_ckpt_step(&s, &st, 1.0));
    s.save_best_only = false;
    assert_true(nn_model_ckpt_step(&s, &st, 9.0));
    nn_model_ckpt_spec a = {.monitor = "val_acc", .save_best_only = true};
    nn_model_ckpt_reset(&a, &st);
    assert_true(nn_model_ckpt_step(&a, &st, 0.5));
    assert_false(nn_model_ckpt_step(&a, &st, 0.4));
}

static bool lookup(void *user, const char *key, double *v)
{
    (void)user;
    if (strcmp(key, "val_loss") == 0) {
        *v = 0.123456;
        return true;
    }
    if (strcmp(key, "loss") == 0) {
        *v = 0.5;
        return true;
    }
    return false;
}

static void test_filenames(void **state)
{
    (void)state;
    char out[256];
    nn_error err;
    static const char *const keys[] = {"loss", "val_loss", NULL};
#define FMT(p, e) nn_filename_format(p, e, lookup, NULL, NULL, out, sizeof out, &err)
    assert_int_equal(FMT("weights.{epoch:02d}.safetensors", 0), NN_OK);
    assert_string_equal(out, "weights.01.safetensors");
    assert_int_equal(FMT("w-{epoch:03d}-{val_loss:.2f}.safetensors", 11), NN_OK);
    assert_string_equal(out, "w-012-0.12.safetensors");
    assert_int_equal(FMT("{{x}}{epoch}_{loss}_{val_loss:.3e}_{epoch:.1f}", 0), NN_OK);
    assert_string_equal(out, "{x}1_0.5_1.235e-01_1.0");
    assert_int_equal(FMT("{epoch:5d}|{loss:8}", 2), NN_OK);
    assert_string_equal(out, "    3|     0.5");
    assert_int_equal(FMT("{val_accuracy}", 0), NN_E_DATA);
    assert_string_equal(err.msg, "no value for {val_accuracy} at epoch 1");
#undef FMT
    /* checking a pattern against the keys a run will have */
#define CHECK(p) nn_filename_format(p, 0, NULL, NULL, keys, out, sizeof out, &err)
    assert_int_equal(CHECK("{epoch:02d}-{val_loss:.4f}.safetensors"), NN_OK);
    assert_int_equal(CHECK("{val_acc}.safetensors"), NN_E_CONFIG);
    assert_string_equal(err.msg, "{val_acc} in '{val_acc}.safetensors' is not a value of this "
                                 "run (fields: epoch, loss, val_loss)");
    assert_int_equal(CHECK("{epoch"), NN_E_CONFIG);
    assert_string_equal(err.msg, "'{' without '}' in '{epoch'");
    assert_int_equal(CHECK("a}b"), NN_E_CONFIG);
    assert_string_equal(err.msg, "a single '}' in 'a}b' (write '}}' for a brace)");
    assert_int_equal(CHECK("{loss:d}"), NN_E_CONFIG);
    assert_string_equal(err.msg, "the format 'd' is for {epoch} only; {loss} is a number: use "
                                 "e.g. {loss:.4f}");
    assert_int_equal(CHECK("{epoch:x}"), NN_E_CONFIG);
    assert_string_equal(err.msg, "the format 'x' of {epoch} is not understood (use e.g. "
                                 "{epoch:02d} or {val_loss:.4f})");
    assert_int_equal(CHECK("{}"), NN_E_CONFIG);
#undef CHECK
}

/* --- reading fit.callbacks --------------------------------------------------------- */

static nn_cfg_doc *doc;

static nn_status read_text(const char *yaml, bool validation, nn_callbacks_spec *out,
                           nn_error *err)
{
    nn_cfg_free(doc);
    assert_int_equal(nn_cfg_load_string(yaml, "cb.yaml", &doc, err), NN_OK);
    nn_log_keys keys = {"accuracy", validation};
    return nn_callbacks_read(nn_cfg_get(nn_cfg_root(doc), "callbacks"), &keys, out, err);
}

static const char *read_bad(const char *yaml, bool validation)
{
    static nn_error err;
    static nn_callbacks_spec spec;
    assert_int_equal(read_text(yaml, validation, &spec, &err), NN_E_CONFIG);
    static char buf[1200];
    return nn_error_format(&err, buf, sizeof buf);
}

static void test_read_notebook(void **state)
{
    (void)state;
    static nn_callbacks_spec s;
    nn_error err;
    const char *yaml = "callbacks:\n"
                       "  - reduce_lr_on_plateau: {factor: 0.31622776601683794, cooldown: 0,\n"
                       "                           patience: 5, min_lr: 0.5e-6}\n"
                       "  - lr_schedule:\n"
                       "      initial: 1.0e-3\n"
                       "      steps: [{after: 10, factor: 1.0e-1}, {after: 15, factor: 1.0e-2},\n"
                       "              {after: 20, factor: 1.0e-3}, {after: 25, factor: 0.5e-3}]\n";
    assert_int_equal(read_text(yaml, true, &s, &err), NN_OK);
    assert_int_equal(s.n, 2);
    assert_true(nn_callbacks_set_lr(&s));
    const nn_plateau_spec *p = &s.items[0].u.plateau;
    assert_int_equal(s.items[0].kind, NN_CB_REDUCE_LR_ON_PLATEAU);
    assert_string_equal(p->monitor, "val_loss"); /* Keras defaults */
    assert_true(p->factor == sqrt(0.1));
    assert_int_equal(p->patience, 5);
    assert_int_equal(p->mode, NN_MODE_AUTO);
    assert_true(p->min_delta == 1e-4);
    assert_true(p->min_lr == 0.5e-6);
    assert_int_equal(s.items[0].mark.line, 2);
    const nn_lr_schedule_spec *l = &s.items[1].u.schedule;
    assert_int_equal(l->kind, NN_SCHED_STEPS);
    assert_int_equal(l->n_steps, 4);
    for (int e = 0; e < 30; e++)
        assert_true(nn_lr_schedule_at(l, e) == notebook_lr(e));
    /* defaults are written into the tree: the resolved config states them */
    nn_cfg *cb0 = nn_cfg_get(nn_cfg_get(nn_cfg_root(doc), "callbacks")->items[0],
                             "reduce_lr_on_plateau");
    assert_string_equal(nn_cfg_get(cb0, "monitor")->text, "val_loss");
    assert_string_equal(nn_cfg_get(cb0, "min_delta")->text, "0.0001");
}

static void test_read_forms(void **state)
{
    (void)state;
    static nn_callbacks_spec s;
    nn_error err;
    /* a bare name, a name with null, the defaults */
    assert_int_equal(read_text("callbacks: [terminate_on_nan, {early_stopping: }, model_checkpoint]\n",
                               true, &s, &err),
                     NN_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.items[0].kind, NN_CB_TERMINATE_ON_NAN);
    assert_int_equal(s.items[1].kind, NN_CB_EARLY_STOPPING);
    assert_int_equal(s.items[1].u.early.patience, 0);
    assert_true(isnan(s.items[1].u.early.baseline));
    assert_false(s.items[1].u.early.restore_best_weights);
    assert_string_equal(s.items[2].u.checkpoint.filepath, "weights.{epoch:02d}.safetensors");
    assert_false(nn_callbacks_set_lr(&s));
    /* the mapping form, e.g. made by --set fit.callbacks.early_stopping.patience=3 */
    assert_int_equal(read_text("callbacks:\n  early_stopping: {patience: 3, baseline: 0.2}\n"
                               "  lr_schedule: {initial: 0.1, cosine: {decay_epochs: 10}}\n",
                               true, &s, &err),
                     NN_OK);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.items[0].u.early.patience, 3);
    assert_true(s.items[0].u.early.baseline == 0.2);
    assert_int_equal(s.items[1].u.schedule.kind, NN_SCHED_COSINE);
    assert_true(s.items[1].u.schedule.alpha == 0.0);
    /* epsilon is Keras's old name for min_delta */
    assert_int_equal(read_text("callbacks:\n  - reduce_lr_on_plateau: {epsilon: 0.01}\n", true,
                               &s, &err),
                     NN_OK);
    assert_true(s.items[0].u.plateau.min_delta == 0.01);
    assert_int_equal(read_text("callbacks:\n  - lr_schedule: {initial: 0.1, exponential: "
                               "{decay_rate: 0.9}}\n",
                               false, &s, &err),
                     NN_OK);
    assert_int_equal(s.items[0].u.schedule.decay_epochs, 1);
    assert_int_equal(read_text("callbacks:\n", true, &s, &err), NN_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(read_text("x: 1\n", true, &s, &err), NN_OK);
    assert_int_equal(s.n, 0);
}

static void test_read_errors(void **state)
{
    (void)state;
    assert_string_equal(read_bad("callbacks:\n  - early_stoping: {}\n", true),
                        "cb.yaml:2:5: unknown callback 'early_stoping' (did you mean "
                        "'early_stopping'?); valid: lr_schedule, reduce_lr_on_plateau, "
                        "early_stopping, terminate_on_nan, model_checkpoint");
    assert_string_equal(read_bad("callbacks:\n  - reduce_lr_on_plateau: {patiance: 3}\n", true),
                        "cb.yaml:2:28: unknown key 'patiance' in "
                        "fit.callbacks[0].reduce_lr_on_plateau (did you mean 'patience'?)");
    assert_string_equal(read_bad("callbacks:\n  - reduce_lr_on_plateau: {factor: 1.0}\n", true),
                        "cb.yaml:2:36: fit.callbacks[0].reduce_lr_on_plateau.factor: must be in "
                        "[0, 1), got 1.0");
    assert_string_equal(read_bad("callbacks:\n  - early_stopping: {patience: -1}\n", true),
                        "cb.yaml:2:32: fit.callbacks[0].early_stopping.patience: must be >= 0, "
                        "got -1");
    assert_string_equal(read_bad("callbacks:\n  - early_stopping: {mode: maximum}\n", true),
                        "cb.yaml:2:28: fit.callbacks[0].early_stopping.mode: unknown value "
                        "'maximum'; valid: auto, min, max");
    /* monitors must be in the logs */
    assert_string_equal(read_bad("callbacks:\n  - early_stopping: {}\n", false),
                        "cb.yaml:2:21: fit.callbacks[0].early_stopping.monitor: 'val_loss' is not "
                        "in this run's logs; val_ values need data.validation_split > 0 (they "
                        "have: loss, accuracy)");
    assert_string_equal(read_bad("callbacks:\n  - reduce_lr_on_plateau: {monitor: val_los}\n", true),
                        "cb.yaml:2:37: fit.callbacks[0].reduce_lr_on_plateau.monitor: 'val_los' "
                        "is not in this run's logs (did you mean 'val_loss'?) (they have: loss, "
                        "accuracy, val_loss, val_accuracy)");
    assert_string_equal(read_bad("callbacks:\n  - reduce_lr_on_plateau: {monitor: val_acc}\n", true),
                        "cb.yaml:2:37: fit.callbacks[0].reduce_lr_on_plateau.monitor: 'val_acc' "
                        "is not in this run's logs (they have: loss, accuracy, val_loss, "
                        "val_accuracy)");
    /* model_checkpoint: the monitor matters only with save_best_only */
    nn_error err;
    static nn_callbacks_spec s;
    assert_int_equal(read_text("callbacks: [model_checkpoint]\n", false, &s, &err), NN_OK);
    assert_string_equal(read_bad("callbacks:\n  - model_checkpoint: {save_best_only: true}\n",
                                 false),
                        "cb.yaml:2:23: fit.callbacks[0].model_checkpoint.monitor: 'val_loss' is "
                        "not in this run's logs; val_ values need data.validation_split > 0 "
                        "(they have: loss, accuracy)");
    assert_string_equal(read_bad("callbacks:\n  - model_checkpoint: {filepath: w.h5}\n", true),
                        "cb.yaml:2:34: fit.callbacks[0].model_checkpoint.filepath: "
                        "model_checkpoint writes safetensors files; end the name in "
                        ".safetensors, e.g. weights.{epoch:02d}.safetensors");
    assert_string_equal(read_bad("callbacks:\n  - model_checkpoint: {filepath: "
                                 "'w{val_acc}.safetensors'}\n",
                                 true),
                        "cb.yaml:2:34: fit.callbacks[0].model_checkpoint.filepath: {val_acc} in "
                        "'w{val_acc}.safetensors' is not a value of this run (fields: epoch, "
                        "loss, accuracy, val_loss, val_accuracy)");
    /* lr_schedule forms */
    assert_string_equal(read_bad("callbacks:\n  - lr_schedule: {initial: 0.1}\n", true),
                        "cb.yaml:2:18: fit.callbacks[0].lr_schedule: give exactly one of steps, "
                        "exponential or cosine, e.g. {initial: 1.0e-3, steps: [{after: 10, "
                        "factor: 0.1}]}");
    assert_string_equal(read_bad("callbacks:\n  - lr_schedule: {steps: [{after: 1, factor: 0.1}]}\n",
                                 true),
                        "cb.yaml:2:18: fit.callbacks[0].lr_schedule: missing required key "
                        "'initial'");
    assert_string_equal(read_bad("callbacks:\n  - lr_schedule: {initial: 0.1, steps: [{after: 5, "
                                 "factor: 0.1}, {after: 5, factor: 0.01}]}\n",
                                 true),
                        "cb.yaml:2:74: fit.callbacks[0].lr_schedule.steps[1].after: steps must be "
                        "in increasing order of `after`; 5 follows 5");
    assert_string_equal(read_bad("callbacks:\n  - lr_schedule: {initial: 0.1, steps: []}\n", true),
                        "cb.yaml:2:40: fit.callbacks[0].lr_schedule.steps: expected a list such "
                        "as [{after: 10, factor: 0.1}, {after: 15, factor: 0.01}]");
    assert_string_equal(read_bad("callbacks:\n  - lr_schedule: {initial: 0.1, cosine: {}}\n", true),
                        "cb.yaml:2:41: fit.callbacks[0].lr_schedule.cosine: missing required key "
                        "'decay_epochs'");
    /* the list itself */
    assert_string_equal(read_bad("callbacks: early_stopping\n", true),
                        "cb.yaml:1:12: fit.callbacks: expected a list of callbacks, such as "
                        "[terminate_on_nan, {early_stopping: {patience: 3}}]");
    assert_string_equal(read_bad("callbacks:\n  - {early_stopping: {}, terminate_on_nan: {}}\n",
                                 true),
                        "cb.yaml:2:5: fit.callbacks[0]: expected one callback written as `- "
                        "TYPE: {SETTINGS}`, such as `- early_stopping: {patience: 3}` (write "
                        "each callback as its own list item)");
}

static int cleanup(void **state)
{
    (void)state;
    nn_cfg_free(doc);
    doc = NULL;
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_notebook_schedule),
        cmocka_unit_test(test_exponential_and_cosine),
        cmocka_unit_test(test_plateau_cooldown_and_min_lr),
        cmocka_unit_test(test_plateau_long_cooldown),
        cmocka_unit_test(test_plateau_max_mode_min_delta_and_nan),
        cmocka_unit_test(test_early_stopping),
        cmocka_unit_test(test_model_checkpoint_rule),
        cmocka_unit_test(test_filenames),
        cmocka_unit_test(test_read_notebook),
        cmocka_unit_test(test_read_forms),
        cmocka_unit_test(test_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
