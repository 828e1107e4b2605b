/* test_checkpoint.c — weights files (names, shapes, round trip, mismatches listed) and
 * checkpoints: a run stopped after an epoch and restored into a fresh trainer ends
 * bit-identical to one that never stopped; a checkpoint of another config, model or data
 * is refused and changes nothing. */
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
#include "io/safetensors.h"
#include "train/callbacks.h"
#include "train/checkpoint.h"
#include "train/fit.h"

static char dir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nnrun-ckpt-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Four noisy classes in 8 dimensions. */
typedef struct toy {
    float x[400 * 8];
    int32_t y[400];
    nn_split all, train, val;
} toy;

static void make_toy(toy *t, int n)
{
    nn_rng r = nn_rng_stream(5, NN_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        t->y[i] = i % 4;
        for (int d = 0; d < 8; d++)
            t->x[i * 8 + d] = (d == i % 4 ? 1.0f : 0.0f) + 2.0f * (nn_rng_uniform(&r) - 0.5f);
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

static const char *mlp = "  input: [8]\n  layers:\n    - dense: {units: 16, activation: relu}\n"
                         "    - batch_normalization: {}\n    - dropout: 0.3\n"
                         "    - dense: {units: 4, activation: softmax}";

static void make(rig *r, const char *model, const char *callbacks, int epochs)
{
    memset(r, 0, sizeof *r);
    char text[2048];
    nn_error err;
    snprintf(text, sizeof text, "model:\n%s\noptimizer: {adam: {learning_rate: 0.02, amsgrad: "
                                "true}}\ncallbacks: %s\n",
             model, callbacks);
    assert_int_equal(nn_cfg_load_string(text, "<test>", &r->doc, &err), NN_OK);
    nn_cfg *root = nn_cfg_root(r->doc);
    assert_int_equal(nn_graph_build(nn_cfg_get(root, "model"), &r->g, &err), NN_OK);
    nn_compile_spec c = {.loss = NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, .accuracy = true,
                         .metric_name = "accuracy"};
    assert_int_equal(nn_optim_spec_read(nn_cfg_get(root, "optimizer"), &c.optimizer, &err), NN_OK);
    nn_log_keys keys = {"accuracy", true};
    assert_int_equal(nn_callbacks_read(nn_cfg_get(root, "callbacks"), &keys, &r->cbs, &err), NN_OK);
    assert_int_equal(nn_pool_create(1, &r->pool, &err), NN_OK);
    nn_fit_spec f = {.epochs = epochs, .batch_size = 25, .shuffle = true};
    assert_int_equal(nn_trainer_init(&r->t, r->g, &c, &f, 42, r->pool, &err), NN_OK);
    assert_int_equal(nn_callbacks_attach(&r->t, &r->cbs, dir, &err), NN_OK);
}

static void drop(rig *r)
{
    nn_trainer_free(&r->t);
    nn_graph_free(r->g);
    nn_pool_destroy(r->pool);
    nn_cfg_free(r->doc);
}

static const nn_ckpt_facts facts = {
    .seed = 42,
    .threads = 1,
    .config_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    .n_files = 1,
    .data_sha256 = {"fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"},
};

/* --- weights files ----------------------------------------------------------------- */

static void test_weights_round_trip_and_names(void **state)
{
    (void)state;
    rig a, b;
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/w.safetensors", dir);
    make(&a, mlp, "[]", 1);
    assert_int_equal(nn_weights_save(a.g, path, &err), NN_OK);

    nn_st st;
    nn_st_init(&st);
    assert_int_equal(nn_st_load(path, &st, &err), NN_OK);
    static const char *const names[] = {"dense.kernel", "dense.bias",
                                        "batch_normalization.gamma", "batch_normalization.beta",
                                        "dense_1.kernel", "dense_1.bias",
                                        "batch_normalization.moving_mean",
                                        "batch_normalization.moving_variance"};
    assert_int_equal(st.n, 8);
    for (int i = 0; i < 8; i++)
        assert_non_null(nn_st_find(&st, names[i]));
    const nn_st_tensor *k = nn_st_find(&st, "dense.kernel");
    assert_int_equal(k->rank, 2); /* Keras: [in, out] */
    assert_int_equal(k->shape[0], 8);
    assert_int_equal(k->shape[1], 16);
    assert_string_equal(nn_st_meta_get(&st, "format"), "nnrun-weights");
    nn_st_free(&st);

    /* another seed, then the file: the same weights as a */
    make(&b, mlp, "[]", 1);
    nn_rng r = nn_rng_stream(7, NN_STREAM_INIT);
    nn_graph_init_weights(b.g, &r);
    b.g->weights[b.g->n_weights - 1] = 5.0f; /* a moving variance */
    assert_int_equal(nn_weights_load(b.g, path, &err), NN_OK);
    assert_memory_equal(a.g->weights, b.g->weights, a.g->n_weights * sizeof(float));
    drop(&a);
    drop(&b);
}

static void test_weights_mismatch_listed(void **state)
{
    (void)state;
    rig a, b;
    nn_error err;
    char path[128], want[1024];
    snprintf(path, sizeof path, "%s/w2.safetensors", dir);
    make(&a, mlp, "[]", 1);
    assert_int_equal(nn_weights_save(a.g, path, &err), NN_OK);
    /* wider first layer, no batch norm, and a third dense layer */
    make(&b, "  input: [8]\n  layers:\n    - dense: {units: 17, activation: relu}\n"
             "    - dense: {units: 4}\n    - dense: {units: 4, activation: softmax}",
         "[]", 1);
    float before = b.g->weights[0];
    assert_int_equal(nn_weights_load(b.g, path, &err), NN_E_DATA);
    snprintf(want, sizeof want,
             "the weights file %s does not fit the model; missing: dense_2.kernel [4, 4], "
             "dense_2.bias [4]; not in the model: batch_normalization.gamma, "
             "batch_normalization.beta, batch_normalization.moving_mean, "
             "batch_normalization.moving_variance; different shape: dense.kernel is [8, 16] in "
             "the file, [8, 17] in the model, dense.bias is [16] in the file, [17] in the model, "
             "dense_1.kernel is [16, 4] in the file, [17, 4] in the model",
             path);
    assert_string_equal(err.msg, want);
    assert_true(b.g->weights[0] == before); /* nothing copied */

    snprintf(path, sizeof path, "%s/missing.safetensors", dir);
    assert_int_equal(nn_weights_load(b.g, path, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "missing.safetensors"));
    drop(&a);
    drop(&b);
}

/* --- exact resume ------------------------------------------------------------------ */

#define EPOCHS 6

typedef struct recorder {
    nn_logs rows[EPOCHS];
    int n;
    int stop_after;           /* interrupt after this epoch (0-based), -1: never */
    const char *path;         /* save a checkpoint here after every epoch */
    const nn_trainer *t;
} recorder;

static nn_status record(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                        double seconds, nn_error *err)
{
    (void)seconds;
    recorder *r = user;
    r->rows[epoch] = *logs;
    r->n++;
    if (r->path) {
        nn_run_track track = {.best_epoch = epoch, .best_val_loss = nn_logs_get(logs, "val_loss"),
                              .best_val_metric = NAN, .epoch_seconds_sum = 1.5,
                              .last_logs = *logs};
        nn_status st = nn_checkpoint_save(r->path, t, &track, &facts, NULL, NULL, err);
        if (st)
            return st;
    }
    if (epoch == r->stop_after)
        return nn_fail(err, NN_E_INTERRUPTED, "stopped by the test");
    return NN_OK;
}

static const char *resume_callbacks =
    "[{reduce_lr_on_plateau: {patience: 1, factor: 0.5, min_delta: 0.0}},"
    " {early_stopping: {patience: 4, restore_best_weights: true}},"
    " {model_checkpoint: {filepath: 'm.{epoch}.safetensors', save_best_only: true}}]";

static void test_exact_resume(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 400);
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);

    rig a;
    make(&a, mlp, resume_callbacks, EPOCHS);
    recorder ra = {.stop_after = -1};
    nn_fit_hooks ha = {.user = &ra, .on_epoch_end = record};
    assert_int_equal(nn_trainer_fit(&a.t, &data.train, &data.val, &ha, &err), NN_OK);
    assert_int_equal(ra.n, EPOCHS);

    for (int stop = 0; stop < EPOCHS - 1; stop += 2) {
        rig b, c;
        make(&b, mlp, resume_callbacks, EPOCHS);
        recorder rb = {.stop_after = stop, .path = path};
        nn_fit_hooks hb = {.user = &rb, .on_epoch_end = record};
        assert_int_equal(nn_trainer_fit(&b.t, &data.train, &data.val, &hb, &err),
                         NN_E_INTERRUPTED);

        make(&c, mlp, resume_callbacks, EPOCHS);
        nn_st st;
        nn_st_init(&st);
        nn_run_track track;
        assert_int_equal(nn_st_load(path, &st, &err), NN_OK);
        assert_int_equal(nn_checkpoint_restore(&st, path, &c.t, &track, &facts, &err), NN_OK);
        nn_st_free(&st);
        assert_int_equal(c.t.epoch, stop + 1);
        assert_int_equal(track.best_epoch, stop);
        assert_true(track.epoch_seconds_sum == 1.5);
        assert_true(nn_logs_get(&track.last_logs, "val_loss") ==
                    nn_logs_get(&rb.rows[stop], "val_loss"));
        recorder rc = {.stop_after = -1};
        nn_fit_hooks hc = {.user = &rc, .on_epoch_end = record};
        assert_int_equal(nn_trainer_fit(&c.t, &data.train, &data.val, &hc, &err), NN_OK);

        assert_int_equal(rc.n, EPOCHS - stop - 1);
        for (int e = stop + 1; e < EPOCHS; e++) {
            assert_int_equal(rc.rows[e].n, ra.rows[e].n);
            for (int k = 0; k < ra.rows[e].n; k++) {
                assert_string_equal(rc.rows[e].key[k], ra.rows[e].key[k]);
                assert_memory_equal(&rc.rows[e].value[k], &ra.rows[e].value[k], sizeof(double));
            }
        }
        assert_memory_equal(c.g->weights, a.g->weights, a.g->n_weights * sizeof(float));
        assert_memory_equal(c.g->slots, a.g->slots,
                            (size_t)a.g->n_slots * a.g->n_trainable * sizeof(float));
        assert_true(c.t.opt.iterations == a.t.opt.iterations);
        assert_true(c.t.opt.lr == a.t.opt.lr);
        assert_int_equal(c.t.epochs_done, EPOCHS);
        drop(&b);
        drop(&c);
    }
    /* the plateau rule did act in this run (so its state mattered) */
    assert_true(a.t.opt.lr < 0.02);
    drop(&a);
}

static void test_restore_refuses_other_runs(void **state)
{
    (void)state;
    static toy data;
    make_toy(&data, 100);
    nn_error err;
    char path[128];
    snprintf(path, sizeof path, "%s/c2.safetensors", dir);
    rig a, b;
    make(&a, mlp, resume_callbacks, 2);
    nn_run_track track = {.best_epoch = -1, .best_val_loss = NAN, .best_val_metric = NAN};
    assert_int_equal(nn_checkpoint_save(path, &a.t, &track, &facts, NULL, NULL, &err), NN_OK);
    nn_st st;
    nn_st_init(&st);
    assert_int_equal(nn_st_load(path, &st, &err), NN_OK);

    make(&b, mlp, resume_callbacks, 2);
    float w0 = b.g->weights[0];
    b.g->weights[0] = w0 + 1.0f;
    nn_ckpt_facts other = facts;
    other.config_sha256[0] = 'f';
    assert_int_equal(nn_checkpoint_restore(&st, path, &b.t, &track, &other, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "config.yaml changed since it was written"));
    other = facts;
    other.data_sha256[0][3] = '0';
    assert_int_equal(nn_checkpoint_restore(&st, path, &b.t, &track, &other, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "a data file changed since the run started"));
    assert_true(b.g->weights[0] == w0 + 1.0f);
    drop(&b);

    make(&b, mlp, "[terminate_on_nan]", 2);
    assert_int_equal(nn_checkpoint_restore(&st, path, &b.t, &track, &facts, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "made with other callbacks (its callbacks is "
                                    "'reduce_lr_on_plateau,early_stopping,model_checkpoint', "
                                    "expected 'terminate_on_nan')"));
    drop(&b);

    make(&b, "  input: [8]\n  layers:\n    - dense: {units: 4, activation: softmax}",
         resume_callbacks, 2);
    assert_int_equal(nn_checkpoint_restore(&st, path, &b.t, &track, &facts, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "does not fit the model; not in the model: "
                                    "batch_normalization.gamma, batch_normalization.beta, "
                                    "batch_normalization.moving_mean, "
                                    "batch_normalization.moving_variance, dense_1.kernel, "
                                    "dense_1.bias; "));
    assert_non_null(strstr(err.msg, "different shape: dense.kernel is [8, 16] in the file, "
                                    "[8, 4] in the model"));
    drop(&b);

    /* a weights file is not a checkpoint; a checkpoint's weights load as weights */
    char wpath[128];
    snprintf(wpath, sizeof wpath, "%s/w3.safetensors", dir);
    assert_int_equal(nn_weights_save(a.g, wpath, &err), NN_OK);
    nn_st ws;
    nn_st_init(&ws);
    assert_int_equal(nn_st_load(wpath, &ws, &err), NN_OK);
    make(&b, mlp, resume_callbacks, 2);
    assert_int_equal(nn_checkpoint_restore(&ws, wpath, &b.t, &track, &facts, &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "not an nnrun checkpoint"));
    nn_rng r = nn_rng_stream(9, NN_STREAM_INIT);
    nn_graph_init_weights(b.g, &r);
    assert_int_equal(nn_weights_load(b.g, path, &err), NN_OK);
    assert_memory_equal(a.g->weights, b.g->weights, a.g->n_weights * sizeof(float));
    nn_st_free(&ws);
    nn_st_free(&st);
    drop(&a);
    drop(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_round_trip_and_names),
        cmocka_unit_test(test_weights_mismatch_listed),
        cmocka_unit_test(test_exact_resume),
        cmocka_unit_test(test_restore_refuses_other_runs),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
