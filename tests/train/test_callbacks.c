/* test_callbacks.c — the callbacks bound to a trainer: the lr column as Keras logs it
 * (float32, and the notebook's [plateau, schedule] order), early stopping restoring the
 * best weights, model_checkpoint's files, and terminate_on_nan naming the first layer
 * whose output or gradient went non-finite. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "core/rng.h"
#include "core/util.h"
#include "train/callbacks.h"
#include "train/checkpoint.h"
#include "train/experiment.h"
#include "train/fit.h"

static char dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nnrun-cb-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

typedef struct toy {
    float x[200 * 8];
    int32_t y[200];
    nn_split all, train, val;
} toy;

static void make_toy(toy *t, int n)
{
    nn_rng r = nn_rng_stream(11, NN_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        t->y[i] = i % 4;
        for (int d = 0; d < 8; d++)
            t->x[i * 8 + d] = (d == i % 4 ? 1.0f : 0.0f) + (nn_rng_uniform(&r) - 0.5f);
    }
    t->all = (nn_split){(size_t)n, nn_shape_make(1, (int[]){8}), t->x, t->y};
    nn_data_split(&t->all, 0.25, &t->train, &t->val);
}

typedef struct rig {
    nn_cfg_doc *doc;
    nn_graph *g;
    nn_trainer t;
    nn_pool *pool;
    nn_callbacks_spec cbs;
} rig;

static const char *two_layers = "  input: [8]\n  layers:\n    - dense: {units: 6, activation: relu}\n"
                                "    - dense: {units: 4, activation: softmax}";

static void make(rig *r, const char *optimizer, const char *callbacks, int epochs)
{
    memset(r, 0, sizeof *r);
    char text[2048];
    nn_error err;
    snprintf(text, sizeof text, "model:\n%s\noptimizer: %s\ncallbacks: %s\n", two_layers,
             optimizer, callbacks);
    assert_int_equal(nn_cfg_load_string(text, "<test>", &r->doc, &err), NN_OK);
    nn_cfg *root = nn_cfg_root(r->doc);
    assert_int_equal(nn_graph_build(nn_cfg_get(root, "model"), &r->g, &err), NN_OK);
    nn_compile_spec c = {.loss = NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, .accuracy = true,
                         .metric_name = "accuracy"};
    assert_int_equal(nn_optim_spec_read(nn_cfg_get(root, "optimizer"), &c.optimizer, &err), NN_OK);
    nn_log_keys keys = {"accuracy", true};
    nn_status st = nn_callbacks_read(nn_cfg_get(root, "callbacks"), &keys, &r->cbs, &err);
    if (st)
        fail_msg("%s", err.msg);
    assert_int_equal(nn_pool_create(1, &r->pool, &err), NN_OK);
    nn_fit_spec f = {.epochs = epochs, .batch_size = 16, .shuffle = true};
    assert_int_equal(nn_trainer_init(&r->t, r->g, &c, &f, 3, r->pool, &err), NN_OK);
    assert_int_equal(nn_callbacks_attach(&r->t, &r->cbs, dir, &err), NN_OK);
}

static void drop(rig *r)
{
    nn_trainer_free(&r->t);
    nn_graph_free(r->g);
    nn_pool_destroy(r->pool);
    nn_cfg_free(r->doc);
}

typedef struct rows {
    nn_logs logs[8];
    int n;
} rows;

static nn_status keep_logs(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                           double seconds, nn_error *err)
{
    (void)t, (void)seconds, (void)err;
    rows *r = user;
    r->logs[epoch] = *logs;
    r->n++;
    return NN_OK;
}

static double f32(double v)
{
    return (double)(float)v;
}

/* --- the lr column ----------------------------------------------------------------- */

static void test_schedule_sets_and_logs_float32(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 200);
    rig r;
    nn_error err;
    make(&r, "{sgd: {learning_rate: 0.5, decay: 0.01}}",
         "[{lr_schedule: {initial: 0.1, steps: [{after: 1, factor: 0.1}]}}]", 4);
    rows got = {0};
    nn_fit_hooks h = {.user = &got, .on_epoch_end = keep_logs};
    assert_int_equal(nn_trainer_fit(&r.t, &data.train, &data.val, &h, &err), NN_OK);
    assert_int_equal(got.n, 4);
    const double want[4] = {f32(0.1), f32(0.1), f32(0.1 * 0.1), f32(0.1 * 0.1)};
    for (int e = 0; e < 4; e++)
        assert_true(nn_logs_get(&got.logs[e], "lr") == want[e]);
    /* the base rate the optimizer holds; decay still applies on top of it */
    assert_true(r.t.opt.lr == want[3]);
    assert_true(nn_optim_rate(&r.t.opt) ==
                want[3] / (1.0 + 0.01 * (double)r.t.opt.iterations));
    drop(&r);
}

/* The notebook's callbacks = [lr_reducer, lr_scheduler]: the schedule sets the rate at
 * every epoch's start, so a reduction lasts only until then, and the schedule's logs['lr']
 * (written after the reducer's) shows the reduced rate. */
static void test_plateau_before_schedule(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 200);
    rig r;
    nn_error err;
    /* monitor loss maximised with a huge min_delta: only the first epoch "improves" */
    make(&r, "{sgd: {learning_rate: 0.1}}",
         "[{reduce_lr_on_plateau: {monitor: loss, mode: max, min_delta: 1000, patience: 1, "
         "factor: 0.5}}, {lr_schedule: {initial: 0.1, steps: [{after: 1, factor: 0.1}]}}]",
         3);
    rows got = {0};
    nn_fit_hooks h = {.user = &got, .on_epoch_end = keep_logs};
    assert_int_equal(nn_trainer_fit(&r.t, &data.train, &data.val, &h, &err), NN_OK);
    assert_true(nn_logs_get(&got.logs[0], "lr") == f32(0.1));
    assert_true(nn_logs_get(&got.logs[1], "lr") == f32(f32(0.1) * 0.5));
    assert_true(nn_logs_get(&got.logs[2], "lr") == f32(f32(0.1 * 0.1) * 0.5));
    drop(&r);
}

/* --- early_stopping -------------------------------------------------------------------- */

static void fill(nn_graph *g, float v)
{
    for (size_t i = 0; i < g->n_weights; i++)
        g->weights[i] = v + (float)i;
}

static void test_early_stopping_restores_best(void **state)
{
    (void)state;
    rig r;
    nn_error err;
    make(&r, "sgd", "[{early_stopping: {patience: 2, restore_best_weights: true}}]", 10);
    nn_callback *cb = r.t.callbacks[0];
    nn_logs logs = {0};
    fill(r.g, 1.0f);
    nn_logs_set(&logs, "val_loss", 1.0);
    assert_int_equal(cb->on_epoch_end(cb, &r.t, 0, &logs, &err), NN_OK);
    fill(r.g, 2.0f);
    nn_logs_set(&logs, "val_loss", 0.5);
    assert_int_equal(cb->on_epoch_end(cb, &r.t, 1, &logs, &err), NN_OK); /* best: epoch 1 */
    fill(r.g, 3.0f);
    nn_logs_set(&logs, "val_loss", 0.7);
    assert_int_equal(cb->on_epoch_end(cb, &r.t, 2, &logs, &err), NN_OK);
    assert_false(r.t.stop);
    nn_logs missing = {0}; /* no val_loss (a run stopped mid-epoch): nothing happens */
    assert_int_equal(cb->on_epoch_end(cb, &r.t, 3, &missing, &err), NN_OK);
    assert_false(r.t.stop);
    fill(r.g, 4.0f);
    nn_logs_set(&logs, "val_loss", 0.6);
    assert_int_equal(cb->on_epoch_end(cb, &r.t, 4, &logs, &err), NN_OK);
    assert_true(r.t.stop);
    assert_string_equal(r.t.stop_reason, "early_stopping");
    assert_string_equal(r.t.stop_message,
                        "Epoch 5: early stopping: val_loss did not improve on 0.5000 (epoch 2) "
                        "for 2 epochs; restored the weights from the end of epoch 2");
    for (size_t i = 0; i < r.g->n_weights; i++)
        assert_true(r.g->weights[i] == 2.0f + (float)i);
    drop(&r);
}

/* --- model_checkpoint ---------------------------------------------------------------- */

static void test_model_checkpoint_files(void **state)
{
    (void)state;
    rig r;
    nn_error err;
    make(&r, "sgd",
         "[{model_checkpoint: {filepath: 'sub/w.{epoch:02d}-{val_loss:.2f}.safetensors', "
         "save_best_only: true}}]",
         10);
    nn_callback *cb = r.t.callbacks[0];
    const double values[3] = {0.5, 0.7, 0.25};
    for (int e = 0; e < 3; e++) {
        nn_logs logs = {0};
        nn_logs_set(&logs, "val_loss", values[e]);
        fill(r.g, (float)e);
        assert_int_equal(cb->on_epoch_end(cb, &r.t, e, &logs, &err), NN_OK);
    }
    char path[256];
    snprintf(path, sizeof path, "%s/sub/w.01-0.50.safetensors", dir);
    assert_true(nn_path_exists(path));
    snprintf(path, sizeof path, "%s/sub/w.02-0.70.safetensors", dir);
    assert_false(nn_path_exists(path));
    snprintf(path, sizeof path, "%s/sub/w.03-0.25.safetensors", dir);
    assert_true(nn_path_exists(path));
    fill(r.g, 9.0f);
    assert_int_equal(nn_weights_load(r.g, path, &err), NN_OK);
    assert_true(r.g->weights[0] == 2.0f);
    drop(&r);
}

/* --- terminate_on_nan and the non-finite message ------------------------------------- */

static void test_terminate_on_nan(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 200);
    rig r;
    nn_error err;
    make(&r, "sgd", "[terminate_on_nan, {reduce_lr_on_plateau: {}}]", 5);
    r.g->nodes[1].param[0].w[3] = INFINITY; /* dense.kernel */
    rows got = {0};
    nn_fit_hooks h = {.user = &got, .on_epoch_end = keep_logs};
    assert_int_equal(nn_trainer_fit(&r.t, &data.train, &data.val, &h, &err), NN_OK);
    assert_string_equal(r.t.stop_reason, "terminate_on_nan");
    assert_string_equal(r.t.stop_message,
                        "Batch 0: Invalid loss, terminating training: the loss became nan at "
                        "epoch 1, batch 1 (first non-finite: the output of layer 'dense')");
    assert_int_equal(r.t.epochs_done, 1);
    assert_int_equal(got.n, 1); /* the epoch's row is still written ... */
    assert_true(isnan(nn_logs_get(&got.logs[0], "loss")));
    assert_false(nn_logs_has(&got.logs[0], "val_loss")); /* ... without validation (Keras) */
    assert_true(nn_logs_has(&got.logs[0], "lr"));
    assert_int_equal(r.t.opt.iterations, 1);
    drop(&r);

    /* without the callback the run fails at once, naming the same place */
    make(&r, "sgd", "[]", 5);
    r.g->nodes[1].param[0].w[3] = INFINITY;
    assert_int_equal(nn_trainer_fit(&r.t, &data.train, &data.val, NULL, &err), NN_E_NUMERIC);
    assert_non_null(strstr(err.msg, "the loss became nan at epoch 1, batch 1 (first non-finite: "
                                    "the output of layer 'dense'); lower the learning rate"));
    assert_string_equal(r.t.stop_reason, "nan");
    drop(&r);
}

static void test_nonfinite_gradient_found(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 32);
    rig r;
    make(&r, "sgd", "[]", 1);
    int32_t y[16];
    memcpy(y, data.y, sizeof y);
    nn_trainer_step(&r.t, data.x, y, 16, NULL);
    char where[160];
    assert_string_equal(nn_trainer_nonfinite_where(&r.t, where, sizeof where),
                        "no layer output or gradient (the loss itself overflowed)");
    r.g->nodes[2].dy[5] = NAN; /* the gradient arriving at the last dense layer */
    assert_string_equal(nn_trainer_nonfinite_where(&r.t, where, sizeof where),
                        "the gradient of layer 'dense_1'");
    r.g->nodes[2].dy[5] = 0.0f;
    r.g->nodes[1].param[1].g[0] = INFINITY; /* dense.bias's gradient */
    assert_string_equal(nn_trainer_nonfinite_where(&r.t, where, sizeof where),
                        "the gradient of layer 'dense'");
    r.g->nodes[2].y[0] = NAN; /* outputs are looked at first */
    assert_string_equal(nn_trainer_nonfinite_where(&r.t, where, sizeof where),
                        "the output of layer 'dense_1'");
    drop(&r);
}

/* configs/cifar_resnet_custom.yaml holds the notebook's step-10 callbacks exactly. */
static void test_step10_config(void **state)
{
    (void)state;
    nn_cfg_doc *doc;
    nn_experiment ex;
    nn_graph *g;
    nn_error err;
    assert_int_equal(nn_experiment_load("configs/cifar_resnet_custom.yaml", NULL, 0, &doc, &ex,
                                        &g, &err),
                     NN_OK);
    const nn_callbacks_spec *cbs = &ex.fit.cbs;
    assert_int_equal(cbs->n, 2); /* callbacks = [lr_reducer, lr_scheduler] */
    assert_int_equal(cbs->items[0].kind, NN_CB_REDUCE_LR_ON_PLATEAU);
    assert_int_equal(cbs->items[1].kind, NN_CB_LR_SCHEDULE);
    const nn_plateau_spec *p = &cbs->items[0].u.plateau;
    assert_true(p->factor == sqrt(0.1));
    assert_int_equal(p->cooldown, 0);
    assert_int_equal(p->patience, 5);
    assert_true(p->min_lr == 0.5e-6);
    assert_string_equal(p->monitor, "val_loss");
    assert_true(p->min_delta == 1e-4);
    const nn_lr_schedule_spec *l = &cbs->items[1].u.schedule;
    for (int e = 0; e < 30; e++) { /* the notebook's lr_schedule(epoch), as Python computes it */
        double lr = 1e-3;
        if (e > 25)
            lr *= 0.5e-3;
        else if (e > 20)
            lr *= 1e-3;
        else if (e > 15)
            lr *= 1e-2;
        else if (e > 10)
            lr *= 1e-1;
        assert_true(nn_lr_schedule_at(l, e) == lr);
    }
    assert_true(ex.compile.optimizer.learning_rate == nn_lr_schedule_at(l, 0));
    assert_false(ex.compile.optimizer.amsgrad);
    nn_graph_free(g);
    nn_cfg_free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schedule_sets_and_logs_float32),
        cmocka_unit_test(test_plateau_before_schedule),
        cmocka_unit_test(test_early_stopping_restores_best),
        cmocka_unit_test(test_model_checkpoint_files),
        cmocka_unit_test(test_terminate_on_nan),
        cmocka_unit_test(test_nonfinite_gradient_found),
        cmocka_unit_test(test_step10_config),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
