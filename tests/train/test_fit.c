/* test_fit.c — the training loop: it learns, it is repeatable (also across thread counts),
 * its epoch loss is the sample-weighted mean over batches, a bad model is refused. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config/cfg.h"
#include "core/rng.h"
#include "train/fit.h"

/* Two Gaussian-ish blobs per class in 8 dimensions: learnable, not trivially. */
typedef struct toy {
    float x[600 * 8];
    int32_t y[600];
    nn_split all;
} toy;

static void make_toy(toy *t, int n, int classes)
{
    nn_rng r = nn_rng_stream(3, NN_STREAM_TEST);
    for (int i = 0; i < n; i++) {
        int c = i % classes;
        t->y[i] = c;
        for (int d = 0; d < 8; d++)
            t->x[i * 8 + d] = (d == c ? 1.5f : 0.0f) + (nn_rng_uniform(&r) - 0.5f);
    }
    t->all = (nn_split){(size_t)n, nn_shape_make(1, (int[]){8}), t->x, t->y};
}

typedef struct setup {
    nn_cfg_doc *doc;
    nn_graph *g;
    nn_trainer t;
    nn_pool *pool;
} setup;

static nn_status make(setup *s, const char *model, const char *optimizer, int batch, int epochs,
                      int threads, nn_error *err)
{
    memset(s, 0, sizeof *s);
    char text[1024];
    snprintf(text, sizeof text, "model:\n%s\noptimizer: %s\n", model, optimizer);
    nn_status st = nn_cfg_load_string(text, "<test>", &s->doc, err);
    if (!st)
        st = nn_graph_build(nn_cfg_get(nn_cfg_root(s->doc), "model"), &s->g, err);
    nn_compile_spec c = {.loss = NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, .accuracy = true,
                         .metric_name = "accuracy"};
    if (!st)
        st = nn_optim_spec_read(nn_cfg_get(nn_cfg_root(s->doc), "optimizer"), &c.optimizer, err);
    if (!st)
        st = nn_pool_create(threads, &s->pool, err);
    nn_fit_spec f = {.epochs = epochs, .batch_size = batch, .shuffle = true};
    if (!st)
        st = nn_trainer_init(&s->t, s->g, &c, &f, 42, s->pool, err);
    return st;
}

static void drop(setup *s)
{
    nn_trainer_free(&s->t);
    nn_graph_free(s->g);
    nn_pool_destroy(s->pool);
    nn_cfg_free(s->doc);
}

static const char *mlp = "  input: [8]\n  layers:\n    - dense: {units: 16, activation: relu}\n"
                         "    - batch_normalization: {}\n    - dropout: 0.2\n"
                         "    - dense: {units: 4, activation: softmax}";

static void test_learns(void **state)
{
    (void)state;
    static toy t;
    make_toy(&t, 600, 4);
    nn_split train, val;
    nn_data_split(&t.all, 0.25, &train, &val);
    assert_int_equal(train.n, 450);
    setup s;
    nn_error err;
    assert_int_equal(make(&s, mlp, "{adam: {learning_rate: 0.01}}", 32, 15, 1, &err), NN_OK);
    double loss0, acc0;
    nn_trainer_evaluate(&s.t, &val, &loss0, &acc0);
    assert_int_equal(nn_trainer_fit(&s.t, &train, &val, NULL, &err), NN_OK);
    double loss, acc;
    nn_trainer_evaluate(&s.t, &val, &loss, &acc);
    assert_true(loss < loss0 * 0.5);
    assert_true(acc >= 0.9);
    assert_int_equal(s.t.epochs_done, 15);
    assert_string_equal(s.t.stop_reason, "completed");
    drop(&s);
}

static void test_repeatable_and_thread_independent(void **state)
{
    (void)state;
    static toy t;
    make_toy(&t, 600, 4);
    nn_error err;
    float *w[3];
    size_t n = 0;
    for (int k = 0; k < 3; k++) {
        setup s;
        /* runs 0 and 1: one thread; run 2: two threads */
        assert_int_equal(make(&s, mlp, "{sgd: {momentum: 0.9}}", 50, 3, k == 2 ? 2 : 1, &err),
                         NN_OK);
        assert_int_equal(nn_trainer_fit(&s.t, &t.all, NULL, NULL, &err), NN_OK);
        n = s.g->n_weights;
        w[k] = malloc(n * sizeof(float));
        memcpy(w[k], s.g->weights, n * sizeof(float));
        drop(&s);
    }
    assert_memory_equal(w[0], w[1], n * sizeof(float));
    assert_memory_equal(w[0], w[2], n * sizeof(float));
    for (int k = 0; k < 3; k++)
        free(w[k]);
}

typedef struct capture {
    double epoch_loss;
    double batch_losses[16];
    int n_batches;
} capture;

static nn_status capture_epoch(void *user, const nn_trainer *t, int epoch, const nn_logs *logs,
                               double seconds, nn_error *err)
{
    (void)t, (void)epoch, (void)seconds, (void)err;
    ((capture *)user)->epoch_loss = nn_logs_get(logs, "loss");
    return NN_OK;
}

static void test_epoch_loss_is_sample_weighted(void **state)
{
    (void)state;
    /* 10 samples in batches of 4, 4, 2: with a negligible learning rate the weights stay put,
     * so the epoch loss must equal the plain mean loss over the 10 samples (the last batch
     * counts for 2, not for 4) */
    static toy t;
    make_toy(&t, 10, 4);
    setup s;
    nn_error err;
    assert_int_equal(make(&s, "  input: [8]\n  layers:\n    - dense: {units: 4, activation: softmax}",
                          "{sgd: {learning_rate: 1.0e-30}}", 4, 1, 1, &err),
                     NN_OK);
    double loss, acc;
    nn_trainer_evaluate(&s.t, &t.all, &loss, &acc);
    capture cap = {0};
    nn_fit_hooks hooks = {.user = &cap, .on_epoch_end = capture_epoch};
    assert_int_equal(nn_trainer_fit(&s.t, &t.all, NULL, &hooks, &err), NN_OK);
    assert_float_equal(cap.epoch_loss, loss, 1e-6);
    assert_int_equal(s.t.opt.iterations, 3); /* ceil(10 / 4) steps, the partial batch kept */
    drop(&s);
}

static void test_nan_loss_stops_with_message(void **state)
{
    (void)state;
    static toy t;
    make_toy(&t, 64, 4);
    for (int i = 0; i < 64 * 8; i++)
        t.x[i] *= 1e30f;
    setup s;
    nn_error err;
    assert_int_equal(make(&s, "  input: [8]\n  layers:\n    - dense: {units: 4, activation: softmax}",
                          "{sgd: {learning_rate: 1.0e+30}}", 16, 5, 1, &err),
                     NN_OK);
    assert_int_equal(nn_trainer_fit(&s.t, &t.all, NULL, NULL, &err), NN_E_NUMERIC);
    assert_non_null(strstr(err.msg, "epoch 1, batch"));
    assert_string_equal(s.t.stop_reason, "nan");
    drop(&s);
}

static void test_model_must_end_in_classes(void **state)
{
    (void)state;
    setup s;
    nn_error err;
    assert_int_equal(make(&s, "  input: [8]\n  layers:\n    - dense: 1", "sgd", 4, 1, 1, &err),
                     NN_E_CONFIG);
    assert_non_null(strstr(err.msg, "C >= 2"));
    assert_int_equal(err.line, 4);
    drop(&s);
}

static void test_data_shape_checked(void **state)
{
    (void)state;
    static toy t;
    make_toy(&t, 8, 4);
    setup s;
    nn_error err;
    assert_int_equal(make(&s, "  input: [4, 2]\n  layers:\n    - flatten:\n    - dense: 4", "sgd",
                          4, 1, 1, &err),
                     NN_OK);
    assert_int_equal(nn_trainer_check_data(&s.t, &t.all, "training", &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "[8]"));
    assert_non_null(strstr(err.msg, "[4, 2]"));
    t.all.shape = nn_shape_make(2, (int[]){4, 2});
    assert_int_equal(nn_trainer_check_data(&s.t, &t.all, "training", &err), NN_OK);
    t.y[3] = 7;
    assert_int_equal(nn_trainer_check_data(&s.t, &t.all, "training", &err), NN_E_DATA);
    assert_non_null(strstr(err.msg, "label 7"));
    drop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns),
        cmocka_unit_test(test_repeatable_and_thread_independent),
        cmocka_unit_test(test_epoch_loss_is_sample_weighted),
        cmocka_unit_test(test_nan_loss_stops_with_message),
        cmocka_unit_test(test_model_must_end_in_classes),
        cmocka_unit_test(test_data_shape_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
